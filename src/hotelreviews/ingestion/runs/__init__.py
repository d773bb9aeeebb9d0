"""The ingestions API: queueing a source for the worker, and reading runs, their progress,
counts and rejected lines (who sees which: access.py)."""
