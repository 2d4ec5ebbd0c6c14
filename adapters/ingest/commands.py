"""Validated feed events as commands on their aggregates. The aggregates check the
rules; what only the store knows (does this case exist?) is checked here."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from domain.errors import RuleViolation
from domain.household import COMPOSITION_FIELDS, Household
from domain.investigation import Investigation
from domain.placement import Placement

T = TypeVar("T")


def _common(event: Any, now: datetime) -> dict[str, Any]:
    # `event` is a validated feed event, or its fields from the helper process.
    return {
        "event_id": event.event_id,
        "recorded_at": event.recorded_at or now,
        "occurred_on": event.occurred_on,
    }


def _must_be_new(aggregate: Any, field: str, noun: str, event: Any, verb: str) -> None:
    if aggregate is not None:
        raise RuleViolation(
            f"{field}: {noun} {getattr(event, field)} from {event.source} was already {verb} "
            f"and cannot be {verb} again"
        )


def _must_exist(aggregate: T | None, field: str, noun: str, event: Any, created: str) -> T:
    if aggregate is None:
        raise RuleViolation(
            f"{field}: unknown {noun} {getattr(event, field)} from {event.source} "
            f"(no {created} for it)"
        )
    return aggregate


def placement_command(placement: Placement | None, event: Any, now: datetime) -> Placement:
    common = _common(event, now)
    kind = event.type
    if kind == "placement.started":
        _must_be_new(placement, "placement_id", "placement", event, "started")
        person = event.person
        return Placement.start(
            source=event.source,
            placement_id=event.placement_id,
            **common,
            person=person.pseudonym,
            birth_date=person.birth_date,
            sex=person.sex,
            target_group=event.target_group,
            form=event.form,
            legal_basis=event.legal_basis,
            regi=event.regi,
            daily_cost=event.daily_cost,
            provider=event.provider,
            unaccompanied=event.unaccompanied,
            accompanying_children=event.accompanying_children,
        )
    placement = _must_exist(placement, "placement_id", "placement", event, "placement.started")
    if kind == "placement.changed":
        placement.change(
            **common,
            form=event.form,
            legal_basis=event.legal_basis,
            regi=event.regi,
            daily_cost=event.daily_cost,
            provider=event.provider,
        )
    elif kind == "placement.ended":
        placement.end(**common, reason=event.reason)
    elif kind == "placement.voided":
        placement.void(**common, reason=event.reason)
    return placement


def investigation_command(
    investigation: Investigation | None, event: Any, now: datetime
) -> Investigation:
    common = _common(event, now)
    kind = event.type
    if kind == "investigation.reported":
        _must_be_new(investigation, "case_id", "case", event, "reported")
        person = event.person
        return Investigation.report(
            source=event.source,
            case_id=event.case_id,
            **common,
            person=person.pseudonym,
            birth_date=person.birth_date,
            sex=person.sex,
            target_group=event.target_group,
            route=event.route,
            reporter=event.reporter,
        )
    investigation = _must_exist(investigation, "case_id", "case", event, "investigation.reported")
    if kind == "investigation.assessed":
        investigation.assess(**common, decision=event.decision)
    elif kind == "investigation.opened":
        investigation.open(**common)
    elif kind == "investigation.extended":
        investigation.extend(**common, until=event.until, reason=event.reason)
    elif kind == "investigation.closed":
        investigation.close(**common, outcome=event.outcome)
    return investigation


def household_command(household: Household | None, event: Any, now: datetime) -> Household:
    common = _common(event, now)
    kind = event.type
    if kind == "household.registered":
        _must_be_new(household, "household_id", "household", event, "registered")
        return Household.register(
            source=event.source,
            household_id=event.household_id,
            **common,
            applicant=event.applicant.pseudonym,
            co_applicant=_pseudonym(event.co_applicant),
            children=event.children,
            newly_arrived=event.newly_arrived,
        )
    household = _must_exist(household, "household_id", "household", event, "household.registered")
    if kind == "household.changed":
        # Only the fields the line carries change; an explicit null co_applicant removes one.
        values = {
            name: getattr(event, name)
            for name in COMPOSITION_FIELDS
            if name in event.model_fields_set
        }
        if "co_applicant" in values:
            values["co_applicant"] = _pseudonym(values["co_applicant"])
        household.change(**common, values=values)
    elif kind == "household.paid":
        household.pay(
            **common,
            payment_id=event.payment_id,
            month=event.month,
            amount=event.amount,
            kind=event.kind,
        )
    elif kind == "household.payment_reversed":
        household.reverse(**common, payment_id=event.payment_id, amount=event.amount)
    elif kind == "household.closed":
        household.close(**common)
    return household


def _pseudonym(person: Any) -> str | None:
    return None if person is None else str(person.pseudonym)
