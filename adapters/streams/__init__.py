"""The streams volym knows, each one typed spec (adapters.streams.spec): a new stream is
its own modules (feed models, aggregate, commands, projection, read model, report,
synthetic data) and one spec added to STREAMS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.errors import UserError
from adapters.readmodels.households import SqlHouseholdView
from adapters.readmodels.investigations import SqlInvestigationView
from adapters.readmodels.placements import SqlPlacementView
from adapters.streams.households import Households
from adapters.streams.investigations import Investigations
from adapters.streams.placements import Placements
from adapters.streams.spec import AnyStream, StreamSpec
from projections.household_records import HouseholdRecord
from projections.investigation_records import InvestigationRecord
from projections.placement_records import PlacementRecord

if TYPE_CHECKING:  # only annotations name the aggregates: a report does not build them
    from domain.household import Household
    from domain.investigation import Investigation
    from domain.placement import Placement

# Typed with each stream's own aggregate, view and record, so that mypy checks every spec
# against the Protocols of the rooms that use it.
PLACEMENTS: StreamSpec[Placement, SqlPlacementView, PlacementRecord] = Placements()
INVESTIGATIONS: StreamSpec[Investigation, SqlInvestigationView, InvestigationRecord] = (
    Investigations()
)
HOUSEHOLDS: StreamSpec[Household, SqlHouseholdView, HouseholdRecord] = Households()

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
