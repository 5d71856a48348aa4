"""An import's batches validated in worker processes while the importing process writes.

What it buys: the field checks of a million rows run on the other cores, in processes that
import only the checks (`bot.domain.import_rows`), while one process writes in file order; and
the garbage collector is kept from rescanning a batch's short-lived tuples. Where it is
measured: docs/BENCHMARKS.md, "Import from CSV".
"""

from __future__ import annotations

import collections
import contextlib
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from bot.domain.import_rows import (
    BadCsv,
    Checked,
    Chunk,
    check_chunk,
    check_chunk_marshalled,
    unmarshal_checked,
)
from bot.services.errors import DomainError

# Files at least this long are validated in worker processes while this one writes.
PARALLEL_FROM_ROWS = 20_000


@contextlib.contextmanager
def collector_spared() -> Iterator[Callable[[], None]]:
    """Python's garbage collector, tuned for a loop of batches; call the function it gives
    after each batch.

    Left alone, the collector takes a noticeable share of a large import (docs/BENCHMARKS.md,
    "Import from CSV"): each batch makes tens of thousands of tuples that live until the
    batch is written, so the collector scanned them over and over, and everything the writer
    keeps (the keys it has seen) again at each full collection. Inside the block, a
    collection starts only after 100 000 more objects (a batch's are freed by reference
    counting before that), and what exists after each batch is frozen (`gc.freeze`: never
    scanned, still freed when no longer referenced). Both are undone when the block ends; if
    something else had frozen objects before, freezing is left alone (unfreezing would undo
    theirs too).
    """
    thresholds = gc.get_threshold()
    freezing = gc.get_freeze_count() == 0
    gc.set_threshold(100_000, *thresholds[1:])
    try:
        yield gc.freeze if freezing else _nothing
    finally:
        if freezing:
            gc.unfreeze()
        gc.set_threshold(*thresholds)


def _nothing() -> None:
    pass


def default_workers() -> int:
    """Validation processes: every CPU but one, which the writing process keeps busy."""
    return min(max((os.cpu_count() or 1) - 1, 1), 8)


def checked_batches(
    columns: list[str], delimiter: str, chunks: Iterator[Chunk], workers: int
) -> Iterator[list[Checked]]:
    """Checked batches in file order; with workers, a few batches are checked ahead."""
    try:
        yield from checked_in_order(columns, delimiter, chunks, workers)
    except BadCsv as exc:
        raise DomainError("import.bad_csv", line=exc.line) from None


def checked_in_order(
    columns: list[str], delimiter: str, chunks: Iterator[Chunk], workers: int
) -> Iterator[list[Checked]]:
    if workers < 1:
        for chunk in chunks:
            yield check_chunk(columns, delimiter, chunk)
        return
    # "spawn": the workers need none of this process's state (engines, threads). They get
    # the batch's raw lines as one string and send back plain tuples, marshalled.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: collections.deque[Future[bytes]] = collections.deque()
        for chunk in chunks:
            pending.append(pool.submit(check_chunk_marshalled, columns, delimiter, chunk))
            if len(pending) >= 2 * workers + 1:
                yield unmarshal_checked(pending.popleft().result())
        while pending:
            yield unmarshal_checked(pending.popleft().result())
