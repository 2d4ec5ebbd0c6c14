"""Read models: each stream's tables and the view that writes its rows with the tracking
record in one transaction; the generations and tracking tables they share."""
