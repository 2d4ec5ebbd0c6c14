"""The HTTP door (http.md): the same use cases as the command line, for case systems,
controllers' tools and auditors; every caller identified by a token and every request
in the access log."""
