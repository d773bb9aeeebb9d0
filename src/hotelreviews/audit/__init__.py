"""The audit log: who did what to what, when, from where, and how it ended (append-only)."""
