"""The projection engine: keeping read models up to date with the log (catch-up, live),
building them anew aside (rebuild, generations, shares in several processes), and in
memory from the log (replay, verify)."""
