"""The streams volym knows, each one typed spec (adapters.streams.spec): a new stream is
its own modules (feed models, aggregate, commands, projection, read model, report,
synthetic data) and one spec added to STREAMS."""

from __future__ import annotations

from adapters.errors import UserError
from adapters.streams.households import Households
from adapters.streams.investigations import Investigations
from adapters.streams.placements import Placements
from adapters.streams.spec import AnyStream

PLACEMENTS: AnyStream = Placements()
INVESTIGATIONS: AnyStream = Investigations()
HOUSEHOLDS: AnyStream = Households()

STREAMS: tuple[AnyStream, ...] = (PLACEMENTS, INVESTIGATIONS, HOUSEHOLDS)


def stream_named(name: str) -> AnyStream:
    """By its report's name, e.g. "placements"."""
    for stream in STREAMS:
        if stream.name == name:
            return stream
    raise UserError(
        f"report {name}: not yet available in this volym version "
        f"({' and '.join(s.name for s in STREAMS)} are)"
    )


def stream_of_aggregate(aggregate: str) -> AnyStream:
    """By its aggregate's name, e.g. "placement" (volym history)."""
    for stream in STREAMS:
        if stream.aggregate == aggregate:
            return stream
    raise UserError(f"history {aggregate}: not yet available in this volym version")
