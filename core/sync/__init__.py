"""The periodic pull from 1159 Finance: only what changed since the last pull, pages fetched concurrently.

pull.py runs one sync; pages.py reads a listing; storing.py stores its cases while pages still
come in, planned by cases.py against what stored.py read of our claims; payments.py mirrors the
payments; cursors.py remembers how far the last pull got.
"""

from core.sync.cursors import last_sync
from core.sync.pages import all_pages
from core.sync.pull import SyncReport, sync_once

__all__ = ["SyncReport", "all_pages", "last_sync", "sync_once"]
