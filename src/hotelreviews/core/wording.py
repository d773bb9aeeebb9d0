"""Counts in words for summaries and log lines: `plural(1, "line")` → "1 line".

One helper so every summary agrees ("1 file", "2 files", "12,345 lines" with the thousands
separator the summaries already use) instead of each printing "file(s)" or "1 lines".
"""


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`count` and the noun that agrees with it; `plural_form` for irregular nouns (default +s)."""
    noun = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {noun}"
