"""The event store: the eventsourcing library extended for volym (feed keys, fast
decoding), on SQLite and on PostgreSQL, the log reader, and the opened store itself."""
