"""Secrets the product generates itself and keeps in DATA_DIR: made once, readable by its user only."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

__all__ = ["read_or_create"]


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    """The secret stored at `path`; `make()` writes it first when there is none (mode 0600).
    O_EXCL: two processes starting at once both keep the first one's secret."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(make())
    return path.read_text(encoding="ascii").strip()
