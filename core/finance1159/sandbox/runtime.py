"""Everything one running sandbox holds: its config, books, clock and injected faults."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from core.finance1159.sandbox import views
from core.finance1159.sandbox.clock import Clock
from core.finance1159.sandbox.config import SandboxConfig
from core.finance1159.sandbox.listing import Listings
from core.finance1159.sandbox.store import Store

__all__ = ["DB_FILE", "Faults", "Runtime"]

DB_FILE = "sandbox.sqlite3"


@dataclass
class Faults:
    """Injected trouble for API requests; in memory only, a restart clears it."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 20.0
    rng: random.Random = field(default_factory=random.Random)


class Runtime:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.store = Store(config.data_dir / DB_FILE)
        # Every change to a case is committed together with its rendered JSON object.
        self.store.before_commit = views.render_stale
        with self.store.transaction():
            pass  # renders what a file written by an older sandbox lacks
        self.clock = Clock(self.store)
        self.listings = Listings(self.store.conn)
        self.faults = Faults(timeout_seconds=config.timeout_seconds, rng=random.Random(config.seed))
        self.api_requests = 0

    def clear_faults(self) -> None:
        self.faults = Faults(timeout_seconds=self.config.timeout_seconds, rng=random.Random(self.config.seed))
