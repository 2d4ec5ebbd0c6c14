"""Validated feed events as commands on their aggregates. The aggregates check the
rules; what only the store knows (does this case exist?) is checked here.

An event is a validated feed model, or the same fields from the helper process: each
command reads it as the model its `type` names (a cast; nothing is converted)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar, cast

from adapters.feed import households as hf
from adapters.feed import investigations as inf
from adapters.feed import placements as pf
from adapters.feed.envelope import FeedEvent
from adapters.feed.identity import Person
from domain.errors import RuleViolation
from domain.household import Household
from domain.household_terms import COMPOSITION_FIELDS
from domain.investigation import Investigation
from domain.placement import Placement

T = TypeVar("T")


def _common(event: FeedEvent, now: datetime) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "recorded_at": event.recorded_at or now,
        "occurred_on": event.occurred_on,
    }


def _must_be_new(
    aggregate: object | None, field: str, noun: str, event: FeedEvent, verb: str
) -> None:
    if aggregate is not None:
        raise RuleViolation(
            f"{field}: {noun} {getattr(event, field)} from {event.source} was already {verb} "
            f"and cannot be {verb} again"
        )


def _must_exist(
    aggregate: T | None, field: str, noun: str, event: FeedEvent, created: str
) -> T:
    if aggregate is None:
        raise RuleViolation(
            f"{field}: unknown {noun} {getattr(event, field)} from {event.source} "
            f"(no {created} for it)"
        )
    return aggregate


def placement_command(
    placement: Placement | None, event: FeedEvent, now: datetime
) -> Placement:
    common = _common(event, now)
    kind = event.type
    if kind == "placement.started":
        started = cast(pf.PlacementStarted, event)
        _must_be_new(placement, "placement_id", "placement", event, "started")
        person = started.person
        return Placement.start(
            source=started.source,
            placement_id=started.placement_id,
            **common,
            person=person.pseudonym,
            birth_date=person.birth_date,
            sex=person.sex,
            target_group=started.target_group,
            form=started.form,
            legal_basis=started.legal_basis,
            regi=started.regi,
            daily_cost=started.daily_cost,
            provider=started.provider,
            unaccompanied=started.unaccompanied,
            accompanying_children=started.accompanying_children,
        )
    placement = _must_exist(placement, "placement_id", "placement", event, "placement.started")
    if kind == "placement.changed":
        changed = cast(pf.PlacementChanged, event)
        placement.change(
            **common,
            form=changed.form,
            legal_basis=changed.legal_basis,
            regi=changed.regi,
            daily_cost=changed.daily_cost,
            provider=changed.provider,
        )
    elif kind == "placement.ended":
        placement.end(**common, reason=cast(pf.PlacementEnded, event).reason)
    elif kind == "placement.voided":
        placement.void(**common, reason=cast(pf.PlacementVoided, event).reason)
    return placement


def investigation_command(
    investigation: Investigation | None, event: FeedEvent, now: datetime
) -> Investigation:
    common = _common(event, now)
    kind = event.type
    if kind == "investigation.reported":
        reported = cast(inf.InvestigationReported, event)
        _must_be_new(investigation, "case_id", "case", event, "reported")
        person = reported.person
        return Investigation.report(
            source=reported.source,
            case_id=reported.case_id,
            **common,
            person=person.pseudonym,
            birth_date=person.birth_date,
            sex=person.sex,
            target_group=reported.target_group,
            route=reported.route,
            reporter=reported.reporter,
        )
    investigation = _must_exist(investigation, "case_id", "case", event, "investigation.reported")
    if kind == "investigation.assessed":
        investigation.assess(**common, decision=cast(inf.InvestigationAssessed, event).decision)
    elif kind == "investigation.opened":
        investigation.open(**common)
    elif kind == "investigation.extended":
        extended = cast(inf.InvestigationExtended, event)
        investigation.extend(**common, until=extended.until, reason=extended.reason)
    elif kind == "investigation.closed":
        investigation.close(**common, outcome=cast(inf.InvestigationClosed, event).outcome)
    return investigation


def household_command(
    household: Household | None, event: FeedEvent, now: datetime
) -> Household:
    common = _common(event, now)
    kind = event.type
    if kind == "household.registered":
        registered = cast(hf.HouseholdRegistered, event)
        _must_be_new(household, "household_id", "household", event, "registered")
        return Household.register(
            source=registered.source,
            household_id=registered.household_id,
            **common,
            applicant=registered.applicant.pseudonym,
            co_applicant=_pseudonym(registered.co_applicant),
            children=registered.children,
            newly_arrived=registered.newly_arrived,
        )
    household = _must_exist(household, "household_id", "household", event, "household.registered")
    if kind == "household.changed":
        changed = cast(hf.HouseholdChanged, event)
        # Only the fields the line carries change; an explicit null co_applicant removes one.
        values = {
            name: getattr(changed, name)
            for name in COMPOSITION_FIELDS
            if name in changed.model_fields_set
        }
        if "co_applicant" in values:
            values["co_applicant"] = _pseudonym(values["co_applicant"])
        household.change(**common, values=values)
    elif kind == "household.paid":
        paid = cast(hf.HouseholdPaid, event)
        household.pay(
            **common,
            payment_id=paid.payment_id,
            month=paid.month,
            amount=paid.amount,
            kind=paid.kind,
        )
    elif kind == "household.payment_reversed":
        reversed_ = cast(hf.HouseholdPaymentReversed, event)
        household.reverse(**common, payment_id=reversed_.payment_id, amount=reversed_.amount)
    elif kind == "household.closed":
        household.close(**common)
    return household


def _pseudonym(person: Person | None) -> str | None:
    return None if person is None else str(person.pseudonym)
