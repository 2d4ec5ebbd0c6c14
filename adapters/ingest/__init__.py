"""The write path: validated feed events are deduplicated, put to their aggregates as
commands (the rules), stored with their idempotency keys in one transaction per batch, and
projected from the aggregates' new state. A large ingest has a helper process."""
