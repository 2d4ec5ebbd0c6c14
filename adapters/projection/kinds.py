"""The projections volym keeps, each with what a projector needs to know of it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Tracking
from sqlalchemy import Engine

from adapters.readmodels.households import SqlHouseholdView
from adapters.readmodels.investigations import SqlInvestigationView
from adapters.readmodels.placements import SqlPlacementView
from domain.household import Household
from domain.investigation import Investigation
from domain.placement import Placement
from projections import households, investigations, placements


@dataclass(frozen=True)
class ProjectionKind:
    name: str
    version: int  # a change rebuilds the projection
    topic_prefix: str  # the stored events it reads; it skips (but tracks) all others
    view: Callable[[Engine, int], Any]  # one generation of its tables
    project_batch: Callable[..., None]  # (view, domain events, tracking, *, after)
    save: Callable[[Any, Sequence[Any], Tracking, int], None]  # records from aggregates
    created: type  # the event that begins a record
    apply: Callable[[dict[Any, Any], Any], None]  # (records by key, domain event)
    load: Callable[[Any, Iterable[Any]], dict[Any, Any]]  # (view, keys): stored records


def _save_placements(view: Any, records: Sequence[Any], tracking: Tracking, after: int) -> None:
    view.save_placements(records, tracking, after=after)


def _save_cases(view: Any, records: Sequence[Any], tracking: Tracking, after: int) -> None:
    view.save_cases(records, tracking, after=after)


def _save_households(view: Any, records: Sequence[Any], tracking: Tracking, after: int) -> None:
    view.save_households(records, tracking, after=after)


PLACEMENT_PROJECTION = ProjectionKind(
    placements.PROJECTION_NAME,
    placements.PROJECTION_VERSION,
    placements.TOPIC_PREFIX,
    SqlPlacementView,
    placements.project_batch,
    _save_placements,
    Placement.Started,
    placements.apply,
    lambda view, keys: view.placements(keys),
)
INVESTIGATION_PROJECTION = ProjectionKind(
    investigations.PROJECTION_NAME,
    investigations.PROJECTION_VERSION,
    investigations.TOPIC_PREFIX,
    SqlInvestigationView,
    investigations.project_batch,
    _save_cases,
    Investigation.Reported,
    investigations.apply,
    lambda view, keys: view.cases(keys),
)
HOUSEHOLD_PROJECTION = ProjectionKind(
    households.PROJECTION_NAME,
    households.PROJECTION_VERSION,
    households.TOPIC_PREFIX,
    SqlHouseholdView,
    households.project_batch,
    _save_households,
    Household.Registered,
    households.apply,
    lambda view, keys: view.households(keys),
)
PROJECTIONS = (PLACEMENT_PROJECTION, INVESTIGATION_PROJECTION, HOUSEHOLD_PROJECTION)
