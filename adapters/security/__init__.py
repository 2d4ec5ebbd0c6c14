"""Who may do what, and what was done: API tokens (only their hashes are stored) with
the four roles of http.md, and the access log, an append-only hash chain in the store."""
