"""Everything that touches the outside, one room per concern (see the README's Layout):
cli/ and application/ at the top, then composition, streams/, ingest/ | reports/ |
synthetic/, projection/, readmodels/, eventstore/ | feed/. A room imports only rooms
below it; `make lint` holds that."""
