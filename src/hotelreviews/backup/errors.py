"""The one error the backup commands raise: the message says what failed and what to do."""

from __future__ import annotations


class BackupError(RuntimeError):
    """A backup could not be taken, checked or restored; the message is for the operator."""
