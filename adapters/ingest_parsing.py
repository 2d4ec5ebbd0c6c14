"""The first ingest stage: lines to validated, pseudonymized events or to rejections.

It is stateless, so for inputs of more than one batch it runs in a worker process that
parses ahead while the main process applies, stores and projects (this machine's second
core). Results come back in input order; a small input never pays for the worker."""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from adapters.feed import LineRejected, ParsedLine, parse_line
from adapters.identity import Pseudonymizer

Batch = list[tuple[int, str | bytes]]
PARSE_WORKER = False  # measured: slower on 2 cores beside the background projector
_AHEAD = 2  # batches parsed ahead of the one being stored


@dataclass
class ParsedBatch:
    size: int
    large: bool = False  # the input spans more than one batch
    lines: list[tuple[int, str, ParsedLine]] = field(default_factory=list)
    invalid: list[tuple[int, str, list[str]]] = field(default_factory=list)


def parse_batch(batch: Batch, pseudonymizer: Pseudonymizer, *, large: bool = False) -> ParsedBatch:
    result = ParsedBatch(len(batch), large=large)
    for line_no, data in batch:
        raw, undecodable = _text(data)
        if undecodable:
            result.invalid.append((line_no, raw, [undecodable]))
            continue
        try:
            result.lines.append((line_no, raw, parse_line(data, pseudonymizer)))
        except LineRejected as rejected:
            result.invalid.append((line_no, raw, rejected.reasons))
    return result


def parsed_batches(batches: Iterable[Batch], pseudonymizer: Pseudonymizer) -> Iterator[ParsedBatch]:
    iterator = iter(batches)
    first = next(iterator, None)
    if first is None:
        return
    second = next(iterator, None)
    if second is None or not PARSE_WORKER:
        yield parse_batch(first, pseudonymizer, large=second is not None)
        if second is not None:
            yield parse_batch(second, pseudonymizer, large=True)
            yield from (parse_batch(batch, pseudonymizer, large=True) for batch in iterator)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        1, mp_context=context, initializer=_start_worker, initargs=(pseudonymizer,)
    ) as pool:
        pending: deque[tuple[Batch, Future[list[Any]]]] = deque()
        for batch in _chain(first, second, iterator):
            pending.append((batch, pool.submit(_parse_in_worker, batch)))
            if len(pending) > _AHEAD:
                yield _rebuild(*pending.popleft())
        while pending:
            yield _rebuild(*pending.popleft())


_worker_pseudonymizer: Pseudonymizer | None = None


def _start_worker(pseudonymizer: Pseudonymizer) -> None:
    global _worker_pseudonymizer
    _worker_pseudonymizer = pseudonymizer


def _parse_in_worker(batch: Batch) -> list[Any]:
    """Compact, cheap-to-pickle results: the event's fields, not the model object."""
    assert _worker_pseudonymizer is not None
    parsed = parse_batch(batch, _worker_pseudonymizer)
    out: list[Any] = [(line_no, reasons) for line_no, _, reasons in parsed.invalid]
    for line_no, _, line in parsed.lines:
        out.append((line_no, dict(line.event.__dict__), line.digest))
    return out


def _rebuild(batch: Batch, future: Future[list[Any]]) -> ParsedBatch:
    texts = {line_no: data for line_no, data in batch}
    result = ParsedBatch(len(batch), large=True)
    for item in future.result():
        if len(item) == 2:
            line_no, reasons = item
            result.invalid.append((line_no, _text(texts[line_no])[0], reasons))
        else:
            line_no, fields, digest = item
            # Already validated: a plain attribute bag (a model_construct costs 20x more).
            event: Any = SimpleNamespace(**fields)
            result.lines.append((line_no, _text(texts[line_no])[0], ParsedLine(event, digest)))
    result.invalid.sort()
    result.lines.sort(key=lambda entry: entry[0])
    return result


def _text(data: str | bytes) -> tuple[str, str | None]:
    if isinstance(data, str):
        return data, None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        reason = f"(line): not UTF-8 ({error.reason} at byte {error.start})"
        return data.decode("utf-8", errors="replace"), reason


def _chain(first: Batch, second: Batch, rest: Iterator[Batch]) -> Iterator[Batch]:
    yield first
    yield second
    yield from rest
