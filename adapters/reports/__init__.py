"""Reports of reports.md: the request and the JSON shape shared by all, one query module
per stream over its read model, an aggregate's history, and explain."""
