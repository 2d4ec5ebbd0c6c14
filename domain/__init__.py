"""The pure domain of volym: aggregates, value objects and rules (standard library and
eventsourcing.domain only)."""
