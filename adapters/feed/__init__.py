"""The feed contract of feed.md: bytes of a JSON line to a validated, pseudonymized feed
event, or to the reasons it was rejected. Personnummer stop here: only pseudonyms go on."""
