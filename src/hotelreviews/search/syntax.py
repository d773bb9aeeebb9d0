"""Web-search syntax (words, "quoted phrases", -exclusion, OR), parsed once for both databases.

PostgreSQL reads the raw text with websearch_to_tsquery, which never fails. SQLite's FTS5
has its own query language in which stray quotes, `*`, `NEAR(`, `-` or a lone `OR` are
syntax errors, so user text never reaches MATCH as is: every term is quoted, and the
expression is built here with explicit parentheses. The parse also tells, for both
databases, whether anything is searchable at all (else the result is empty, not an error).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_SEARCHABLE = re.compile(r"[^\W_]")  # a letter or digit: what FTS5's unicode61 indexes
# A word as the databases' tokenizers see it (a run of letters or digits): "sea-view" and
# "sea view" are both two, and each is a posting list to read.
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class SearchQuery:
    groups: tuple[tuple[str, ...], ...]  # AND of ORs: (("quiet", "calm"), ("room",))
    excluded: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def words(self) -> int:
        """How many words the search holds, those of phrases and exclusions included: its
        cost (search.service refuses one with too many)."""
        terms = [*(term for group in self.groups for term in group), *self.excluded]
        return sum(len(_WORD.findall(term)) for term in terms)


def parse(text: str) -> SearchQuery:
    """Words and phrases AND-ed, `a OR b` grouped (OR binds tighter), `-x` excluded."""
    groups: list[list[str]] = []
    excluded: list[str] = []
    pending_or = False
    # NUL ends an SQLite string early; it is never part of a word anyway.
    for match in _TOKEN.finditer(text.replace("\x00", " ")):
        quoted = match.group(2) is not None
        negated = bool(match.group(1) if quoted else match.group(3))
        term = " ".join((match.group(2) if quoted else match.group(4)).split())
        if not quoted and not negated and term == "OR":
            pending_or = bool(groups)
            continue
        if not _SEARCHABLE.search(term):
            continue
        if negated:
            excluded.append(term)
        elif pending_or:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    return SearchQuery(tuple(tuple(group) for group in groups), tuple(excluded))


def _quoted(term: str) -> str:
    # Inside an FTS5 string only the double quote is special, and it is escaped by doubling.
    return '"' + term.replace('"', '""') + '"'


def to_fts5(query: SearchQuery) -> str:
    """A safe FTS5 MATCH expression (call only when the query is not empty)."""
    positive = " AND ".join(
        "(" + " OR ".join(_quoted(term) for term in group) + ")" for group in query.groups
    )
    if not query.excluded:
        return positive
    return f"({positive}) NOT (" + " OR ".join(_quoted(term) for term in query.excluded) + ")"
