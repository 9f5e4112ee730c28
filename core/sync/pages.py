"""Read every page of a listing, several at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from core.finance1159 import wire

__all__ = ["T", "all_pages"]

T = TypeVar("T")


async def all_pages(
    fetch: Callable[[int], Awaitable[wire.Page[T]]],
    concurrency: int,
    on_page: Callable[[Sequence[T]], None] | None = None,
    *,
    expected_pages: int = 1,
) -> tuple[list[T], bool]:
    """Every item of a listing, and whether all its pages reported the same total.

    The first `expected_pages` pages are asked for at once (a full pull knows about how many cases
    it mirrors, so it need not wait for page 1 to learn the total); the others as soon as a page
    tells the total. With `on_page`, each page goes there as it arrives, while later ones are on
    their way, and the items are not kept (a full pull would hold 10,000 cases for nothing).
    """
    gate = asyncio.Semaphore(concurrency)
    arrived: asyncio.Queue[asyncio.Task[wire.Page[T]]] = asyncio.Queue()
    tasks: list[asyncio.Task[wire.Page[T]]] = []

    async def one(page: int) -> wire.Page[T]:
        async with gate:
            return await fetch(page)

    def ask(up_to: int) -> None:
        for page in range(len(tasks) + 1, up_to + 1):
            task = asyncio.ensure_future(one(page))
            task.add_done_callback(arrived.put_nowait)
            tasks.append(task)

    ask(max(expected_pages, 1))
    items: list[T] = []
    totals: set[int] = set()
    handled = 0
    try:
        while handled < len(tasks):
            result = (await arrived.get()).result()
            handled += 1
            totals.add(result.total)
            if on_page is None:
                items.extend(result.items)
            elif result.items:
                on_page(result.items)
            ask(-(-result.total // max(result.per_page, 1)))  # pages, rounded up
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return items, len(totals) == 1
