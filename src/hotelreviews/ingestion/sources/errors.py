"""Why a source cannot be read: the errors every kind of source raises (see opening.py)."""

from __future__ import annotations


class SourceError(Exception):
    """A source cannot be read; the message names the file and says what to do."""


class SourceUnavailable(SourceError):
    """A source could not be reached or read for a reason that may pass (network, HTTP 5xx,
    throttling, an object replaced while read): the same command later may well succeed."""


class SourceOverLimit(SourceError):
    """A source costs more than one source may (bytes, wall time): it ends here, for good —
    the same source would cross the same limit again (see limits.py)."""
