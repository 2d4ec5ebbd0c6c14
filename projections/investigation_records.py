"""What the investigation projection keeps of a case (its record), apart from the
aggregate: the read model and the reports need it, and a command that only reads should
not build the aggregate's event classes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.vocabulary import age_group
from projections.investigation_measures import CaseRecord

PROJECTION_NAME = "investigations"
TOPIC_PREFIX = "domain.investigation:Investigation."
# Bump when the rows change meaning: the view is then rebuilt (2: versioned rows; 3: an
# index per step, for reports counted in SQL; 4: the same indexes on the versions, with
# the positions).
PROJECTION_VERSION = 4


@dataclass
class InvestigationRecord:
    key: UUID
    source: str
    case_id: str
    person: str
    birth_date: date
    sex: str
    target_group: str
    route: str
    reporter: str | None
    reported_on: date
    assessed_on: date | None = None
    decision: str | None = None
    opened_on: date | None = None
    extended_until: date | None = None
    closed_on: date | None = None
    outcome: str | None = None
    persisted: bool = False  # True once the read model holds it (its old row is replaced)

    def absorb(self, earlier: InvestigationRecord) -> None:
        """This snapshot replaces `earlier`, not yet written, in one write."""
        self.persisted = earlier.persisted

    @property
    def age_group(self) -> str:
        return age_group(self.birth_date, self.reported_on)

    def case(self) -> CaseRecord:
        return CaseRecord(
            self.person,
            self.reported_on,
            self.assessed_on,
            self.opened_on,
            self.closed_on,
            self.outcome,
        )
