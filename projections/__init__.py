"""Projections: turn domain events into read-model rows (depend on the domain only)."""
