"""Validated feed events as commands on their aggregates. The aggregates check the
rules; what only the store knows (does this case exist?) is checked here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.errors import RuleViolation
from domain.household import COMPOSITION_FIELDS, Household
from domain.investigation import Investigation
from domain.placement import Placement


def _common(event: Any, now: datetime) -> dict[str, Any]:
    # `event` is a validated feed event, or its fields from the helper process.
    return {
        "event_id": event.event_id,
        "recorded_at": event.recorded_at or now,
        "occurred_on": event.occurred_on,
    }


def placement_command(placement: Placement | None, event: Any, now: datetime) -> Placement:
    common = _common(event, now)
    kind = event.type
    if kind == "placement.started":
        if placement is not None:
            raise RuleViolation(
                f"placement_id: placement {event.placement_id} from {event.source} was "
                "already started and cannot be started again"
            )
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
    if placement is None:
        raise RuleViolation(
            f"placement_id: unknown placement {event.placement_id} from {event.source} "
            "(no placement.started for it)"
        )
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
        if investigation is not None:
            raise RuleViolation(
                f"case_id: case {event.case_id} from {event.source} was already reported "
                "and cannot be reported again"
            )
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
    if investigation is None:
        raise RuleViolation(
            f"case_id: unknown case {event.case_id} from {event.source} "
            "(no investigation.reported for it)"
        )
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
        if household is not None:
            raise RuleViolation(
                f"household_id: household {event.household_id} from {event.source} was "
                "already registered and cannot be registered again"
            )
        return Household.register(
            source=event.source,
            household_id=event.household_id,
            **common,
            applicant=event.applicant.pseudonym,
            co_applicant=_pseudonym(event.co_applicant),
            children=event.children,
            newly_arrived=event.newly_arrived,
        )
    if household is None:
        raise RuleViolation(
            f"household_id: unknown household {event.household_id} from {event.source} "
            "(no household.registered for it)"
        )
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
