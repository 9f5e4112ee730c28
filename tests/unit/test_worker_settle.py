"""The worker keeps what start-up built out of the garbage collector's way (core/worker.py)."""

from __future__ import annotations

import gc

from core.worker import settle_after_start


def test_start_up_objects_leave_the_collectors_generations() -> None:
    before, thresholds = gc.get_freeze_count(), gc.get_threshold()
    try:
        settle_after_start()
        assert gc.get_freeze_count() > before
        assert gc.get_count()[2] == 0  # nothing left waiting for a full collection
        assert gc.get_threshold()[0] == 10_000
    finally:
        gc.unfreeze()  # the rest of the test run collects as usual
        gc.set_threshold(*thresholds)
