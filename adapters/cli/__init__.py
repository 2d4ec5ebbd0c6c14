"""The command line: parse the arguments, call one use case of adapters.application, render
its answer for a person (Swedish tables, progress) or a program (JSON, CSV)."""
