"""The first ingest stage: lines to validated, pseudonymized events or to rejections.
It is stateless, so a large ingest runs it in its helper process (adapters.ingest.helper)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from adapters.feed.contract import FeedContract, LineRejected, ParsedLine
from adapters.feed.identity import Pseudonymizer

Batch = list[tuple[int, str | bytes]]


@dataclass
class ParsedBatch:
    size: int
    lines: list[tuple[int, str, ParsedLine]] = field(default_factory=list)
    invalid: list[tuple[int, str, list[str]]] = field(default_factory=list)


def parse_batch(batch: Batch, contract: FeedContract, pseudonymizer: Pseudonymizer) -> ParsedBatch:
    result = ParsedBatch(len(batch))
    for line_no, data in batch:
        raw, undecodable = text_of(data)
        if undecodable:
            result.invalid.append((line_no, raw, [undecodable]))
            continue
        try:
            result.lines.append((line_no, raw, contract.parse_line(data, pseudonymizer)))
        except LineRejected as rejected:
            result.invalid.append((line_no, raw, rejected.reasons))
    return result


def batches(lines: Iterable[str | bytes], size: int, first: int | None = None) -> Iterator[Batch]:
    """Batches of `size` lines; the first may be smaller, so a pipeline starts sooner."""
    batch: Batch = []
    limit = first or size
    for line_no, raw in enumerate(lines, start=1):
        text = raw.rstrip(b"\r\n") if isinstance(raw, bytes) else raw.rstrip("\r\n")
        if line_no == 1:  # a byte-order mark, as Windows exports begin, is not the line's
            text = _without_bom(text)
        if not text.strip():
            continue  # blank lines are ignored by the contract
        batch.append((line_no, text))
        if len(batch) >= limit:
            yield batch
            batch = []
            limit = size
    if batch:
        yield batch


def _without_bom(text: str | bytes) -> str | bytes:
    if isinstance(text, bytes):
        return text.removeprefix(b"\xef\xbb\xbf")
    return text.removeprefix("\ufeff")


def text_of(data: str | bytes) -> tuple[str, str | None]:
    """The line as text, and the reason when it is not UTF-8."""
    if isinstance(data, str):
        return data, None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        reason = f"(line): not UTF-8 ({error.reason} at byte {error.start})"
        return data.decode("utf-8", errors="replace"), reason
