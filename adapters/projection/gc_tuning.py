"""Garbage-collector settings for long batch work.

A large ingest keeps many aggregates alive; with the default thresholds the collector's
full passes scan that whole heap again and again, and the cost per event grew with the
size of the ingest (measured: 133 µs/event at 100 000 events against 98 at 20 000)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BATCH_THRESHOLDS = (100_000, 50, 1000)


@contextmanager
def batch_collection() -> Iterator[None]:
    previous = gc.get_threshold()
    gc.set_threshold(*BATCH_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


@contextmanager
def no_collection() -> Iterator[None]:
    """For a rebuild: it allocates millions of objects that live until the end (decoded
    events, records, rows) and none of them is in a reference cycle, so the collector only
    scans them in vain (measured at 200 000 events: 7.2 s with BATCH_THRESHOLDS, 5.7 s
    without collection). Memory is bounded by the rebuild's own limits."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
