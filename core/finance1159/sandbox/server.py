"""Running the sandbox: `serve` (async, for embedding) and `run` (blocking, for the CLI)."""

from __future__ import annotations

from pathlib import Path

import uvicorn

from core.config import Settings
from core.finance1159.sandbox.app import create_app
from core.finance1159.sandbox.config import SandboxConfig

__all__ = ["SandboxConfig", "make_server", "run", "serve"]


def make_server(config: SandboxConfig, host: str, port: int) -> uvicorn.Server:
    """A uvicorn server for the sandbox; the caller runs it (in a thread, a task, or blocking)."""
    uv_config = uvicorn.Config(
        create_app(config),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        # Answers held back by a "timeout" fault must not delay a shutdown for long.
        timeout_graceful_shutdown=1,
    )
    return uvicorn.Server(uv_config)


def _config(
    host: str, port: int, data_dir: Path, settings: Settings, smtp_host: str | None, smtp_port: int | None
) -> SandboxConfig:
    return SandboxConfig.from_settings(
        settings,
        data_dir=Path(data_dir),
        public_url=f"http://{host}:{port}",
        smtp_host=smtp_host,
        smtp_port=smtp_port,
    )


async def serve(
    host: str,
    port: int,
    data_dir: Path,
    settings: Settings,
    smtp_host: str | None = None,
    smtp_port: int | None = None,
) -> None:
    """Serves until cancelled."""
    await make_server(_config(host, port, data_dir, settings, smtp_host, smtp_port), host, port).serve()


def run(
    host: str,
    port: int,
    data_dir: Path,
    settings: Settings,
    smtp_host: str | None = None,
    smtp_port: int | None = None,
) -> None:
    """Blocking entry point for `inkasso sandbox`, on uvicorn's own event loop (uvloop, as a
    production server runs)."""
    make_server(_config(host, port, data_dir, settings, smtp_host, smtp_port), host, port).run()
