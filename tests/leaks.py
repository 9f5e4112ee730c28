"""Checks that a secret stays out of sight."""

from __future__ import annotations


def shows_anywhere(secret: str, error: BaseException) -> bool:
    """Whether the secret is in the text or repr of the error or of anything chained to it."""
    seen: BaseException | None = error
    while seen is not None:
        if secret in str(seen) or secret in repr(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
