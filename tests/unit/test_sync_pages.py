"""Reading every page of a listing (core/sync/pages.py), against an in-memory listing.

The listing here is plain data: paging is the logic under test, not the agency (the sync tests
read the sandbox over HTTP).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from core.finance1159.wire import Page
from core.sync import all_pages


class Listing:
    """Items 0..n-1 in pages of `per_page`; records every request and how many run at once."""

    def __init__(self, n: int, per_page: int = 10, totals: dict[int, int] | None = None) -> None:
        self.n, self.per_page, self.totals = n, per_page, totals or {}
        self.asked: list[int] = []
        self.running = self.most_at_once = 0
        self.failing: int | None = None

    async def fetch(self, page: int) -> Page[int]:
        self.asked.append(page)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await asyncio.sleep(0.001 * (page % 3))  # answers arrive out of order
            if page == self.failing:
                raise RuntimeError(f"page {page} failed")
            start = (page - 1) * self.per_page
            items = tuple(range(start, min(start + self.per_page, self.n)))
            return Page(items, page, self.per_page, self.totals.get(page, self.n))
        finally:
            self.running -= 1


async def test_every_item_once_when_only_the_first_page_is_asked_for_up_front() -> None:
    listing = Listing(95)
    items, stable = await all_pages(listing.fetch, 4)
    assert sorted(items) == list(range(95)) and stable
    assert sorted(listing.asked) == list(range(1, 11))  # ten pages, none twice
    assert listing.asked[0] == 1


async def test_asking_for_more_pages_than_there_are_costs_only_empty_answers() -> None:
    listing = Listing(25)
    items, stable = await all_pages(listing.fetch, 8, expected_pages=5)
    assert sorted(items) == list(range(25)) and stable
    assert sorted(listing.asked) == [1, 2, 3, 4, 5]


async def test_fewer_expected_pages_than_there_are_still_reads_them_all() -> None:
    listing = Listing(200)
    items, _ = await all_pages(listing.fetch, 8, expected_pages=3)
    assert sorted(items) == list(range(200))
    assert sorted(listing.asked) == list(range(1, 21))


async def test_no_more_requests_at_once_than_the_concurrency() -> None:
    listing = Listing(500)
    await all_pages(listing.fetch, 3, expected_pages=50)
    assert listing.most_at_once == 3


async def test_a_total_that_changes_while_paging_marks_the_listing_unstable() -> None:
    listing = Listing(40, totals={3: 41})
    _, stable = await all_pages(listing.fetch, 2, expected_pages=4)
    assert not stable


async def test_pages_go_to_on_page_and_are_not_kept() -> None:
    listing = Listing(45)
    handed: list[int] = []

    def on_page(items: Sequence[int]) -> None:
        handed.extend(items)

    items, stable = await all_pages(listing.fetch, 4, on_page, expected_pages=5)
    assert items == [] and stable
    assert sorted(handed) == list(range(45))


async def test_a_failing_page_fails_the_listing_and_leaves_no_request_running() -> None:
    listing = Listing(300)
    listing.failing = 7
    with pytest.raises(RuntimeError, match="page 7"):
        await all_pages(listing.fetch, 4, expected_pages=30)
    await asyncio.sleep(0.01)
    assert listing.running == 0
