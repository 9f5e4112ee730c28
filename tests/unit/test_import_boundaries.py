"""The doors only talk to the core: an AST scan of every import in the product tree.

Lazy imports inside functions and `TYPE_CHECKING` blocks count too: a cycle through them is
still a cycle, and a door that reaches sideways at run time still reaches sideways.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOORS = ("bot", "mail", "dashboard", "cli")
# The transport-free part of the chat that mail commands go through: the layer and its command table.
COMMAND_LAYER = ("bot.commands", "bot.catalogue")


def imported_modules(path: Path) -> set[str]:
    """Every absolute module name `path` imports, anywhere in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def top(module: str) -> str:
    return module.partition(".")[0]


def sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def violations(package: str, allowed: object) -> list[str]:
    out = []
    for path in sources(package):
        for module in sorted(imported_modules(path)):
            if not allowed(path, module):  # type: ignore[operator]
                out.append(f"{path.relative_to(ROOT)} imports {module}")
    return out


def test_the_scan_sees_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from mail.message import ParsedMail\n"
        "def f():\n    import telegram.ext\n    from bot import commands\n"
    )
    assert {"mail.message", "telegram.ext", "bot", "bot.commands"} <= imported_modules(sample)


def test_the_core_imports_no_door() -> None:
    assert violations("core", lambda path, module: top(module) not in DOORS) == []


def test_the_command_layer_in_bot_imports_neither_telegram_nor_mail() -> None:
    def allowed(path: Path, module: str) -> bool:
        if path.name.startswith("telegram_"):
            return top(module) not in ("mail", "dashboard", "cli")
        return top(module) not in ("telegram", "mail", "dashboard", "cli")

    assert violations("bot", allowed) == []


def test_the_dashboard_imports_no_other_door() -> None:
    assert violations("dashboard", lambda path, module: top(module) not in ("bot", "mail", "cli")) == []


@pytest.mark.parametrize("module", ["bot.commands", "bot.commands.CommandLayer", "bot", "bot.catalogue"])
def test_mail_may_use_the_chat_command_layer(module: str) -> None:
    assert _mail_allowed(module)


@pytest.mark.parametrize(
    "module", ["bot.telegram_app", "bot.actions", "bot.commandsx", "dashboard.runtime", "telegram"]
)
def test_mail_may_not_use_the_rest_of_the_other_doors(module: str) -> None:
    assert not _mail_allowed(module)


def _mail_allowed(module: str) -> bool:
    if top(module) in ("dashboard", "cli", "telegram"):
        return False
    if top(module) == "bot":
        # `from bot import commands` records both "bot" and "bot.commands"
        return module == "bot" or any(module == m or module.startswith(m + ".") for m in COMMAND_LAYER)
    return True


def test_mail_imports_only_the_command_layer_of_bot() -> None:
    assert violations("mail", lambda path, module: _mail_allowed(module)) == []
