"""What every command shares: building the app, German error output, exit codes, JSON output."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer
from pydantic import ValidationError

from core.bootstrap import App, build, configure_logging
from core.config import Settings
from core.domain.errors import InkassoError
from core.domain.json_ready import json_ready

__all__ = ["P", "R", "fail", "friendly", "load_settings", "make_app", "print_json"]

P = ParamSpec("P")
R = TypeVar("R")
log = logging.getLogger("inkasso.cli")


def make_app() -> App:
    settings = load_settings()
    configure_logging(logging.WARNING, log_file=settings.data_dir / "inkasso.log")
    return build(settings)


def load_settings() -> Settings:
    """The settings, or a German message naming each invalid one and exit code 1."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        fail(f"Die Einstellungen sind ungültig: {problems}", 1)
        raise  # fail() always raises; this line is for the type checker


def fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn our errors into a German message on stderr and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except InkassoError as exc:
            log.debug("refused: %s", exc.log_message)
            typer.echo(exc.user_message, err=True)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception:
            log.exception("unexpected error in %s", fn.__name__)
            typer.echo("Unerwarteter Fehler. Details stehen in data/inkasso.log.", err=True)
            raise typer.Exit(1) from None

    return wrapper



def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(json_ready(value), ensure_ascii=False, indent=2) + "\n")
