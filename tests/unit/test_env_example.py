"""`.env.example` explains every setting, and every line in it is a real setting."""

from __future__ import annotations

from pathlib import Path

from core.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _names() -> set[str]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    settings = [line for line in lines if "=" in line and not line.lstrip().startswith("#")]
    return {line.split("=", 1)[0].strip() for line in settings}


def test_env_example_lists_every_setting() -> None:
    assert {name.upper() for name in Settings.model_fields} == _names()


def test_env_example_values_load_as_settings(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings()
    assert settings.finance1159_client_id == "demo-praxis"
    assert settings.telegram_bot_token is None or settings.telegram_bot_token.get_secret_value() == ""
