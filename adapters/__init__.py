"""Everything that touches the outside: feeds, databases, CLI, exports."""
