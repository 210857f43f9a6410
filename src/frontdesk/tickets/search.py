"""Full-text search over ticket titles and messages, ranked, on SQLite and PostgreSQL.

SQLite: FTS5 external-content tables ``tickets_ticket_fts(title)`` and
``tickets_message_fts(body, kind UNINDEXED, ticket_id UNINDEXED)``, kept in sync by
triggers (migration 0004), ranked with bm25(). PostgreSQL: GIN indexes on
``to_tsvector('simple', ...)`` of the title and the body, queried with the very same
expressions (so the indexes serve them) and ranked with ts_rank().

User input never reaches either query language as syntax: it is split into words and
"quoted phrases", and each becomes a quoted phrase in the backend's syntax, all of them
required. Both backends tokenize without stemming, case-insensitively.

Relevance: each ticket scores TITLE_WEIGHT * (1 + title rank) when its title matches, plus
1 + the best rank of its matching messages. A title match therefore outweighs a
message-only one.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection

from frontdesk.tickets.models import MessageKind

TITLE_WEIGHT = 3.0
# The most matches a search considers: the best ones by relevance.
MATCH_LIMIT = 1000
# Longer input is cut here before parsing: a query never grows without bound.
QUERY_MAX_CHARS = 1000

_TERMS = re.compile(r'"([^"]*)"?|([^\s"]+)')
_WORD = re.compile(r"\w")
_NOTHING: tuple[str, list[Any]] = ("SELECT id FROM tickets_ticket WHERE 1 = 0", [])


def search_terms(query: str) -> list[str]:
    """Words and "quoted phrases" of ``query``, in order, each normalized to single spaces.
    Terms without a letter or digit are dropped: they could match nothing."""
    terms = []
    for phrase, word in _TERMS.findall(query[:QUERY_MAX_CHARS].replace("\x00", " ")):
        term = " ".join((phrase or word).split())
        if _WORD.search(term):
            terms.append(term)
    return terms


def _quoted(terms: list[str]) -> str:
    """Every term as a double-quoted phrase (quotes inside doubled, as FTS5 wants; a
    websearch_to_tsquery phrase cannot hold one, so there they become spaces)."""
    if connection.vendor == "postgresql":
        return " ".join('"' + term.replace('"', " ") + '"' for term in terms)
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def ticket_ids_matching_sql(
    *, query: str, include_internal: bool, limit: int = MATCH_LIMIT, requester_id: int | None = None
) -> tuple[str, list[Any]]:
    """SQL (and its parameters) selecting the ids of matching tickets, best first: usable as
    a subquery (``pk__in=RawSQL(...)``) so a search stays one query. ``requester_id`` keeps
    to one customer's tickets before the limit is applied."""
    terms = search_terms(query)
    if not terms or limit < 1:
        return _NOTHING
    match = _quoted(terms)
    internal = "" if include_internal else "AND kind <> %s"
    kind_params: list[Any] = [] if include_internal else [str(MessageKind.INTERNAL)]
    mine = "WHERE ticket_id IN (SELECT id FROM tickets_ticket WHERE requester_id = %s)"
    mine_params: list[Any] = [requester_id]
    if requester_id is None:
        mine, mine_params = "", []
    if connection.vendor == "postgresql":
        sql = f"""
            SELECT ticket_id FROM (
                SELECT id AS ticket_id,
                       %s * (1 + ts_rank(to_tsvector('simple', title), q)) AS score
                FROM tickets_ticket, websearch_to_tsquery('simple', %s) AS q
                WHERE to_tsvector('simple', title) @@ q
                UNION ALL
                SELECT ticket_id, MAX(1 + ts_rank(to_tsvector('simple', body), q)) AS score
                FROM tickets_message, websearch_to_tsquery('simple', %s) AS q
                WHERE to_tsvector('simple', body) @@ q {internal}
                GROUP BY ticket_id
            ) AS matches {mine}
            GROUP BY ticket_id ORDER BY SUM(score) DESC, ticket_id DESC LIMIT %s
        """  # noqa: S608 (fixed text; every value is a parameter)
    else:
        # rank is bm25(), negative, lower is better: -rank is a rank like ts_rank's. (The
        # rank column rather than bm25() itself: SQLite may flatten these subqueries, where an
        # auxiliary function cannot be called.)
        sql = f"""
            SELECT ticket_id FROM (
                SELECT rowid AS ticket_id,
                       %s * (1 - tickets_ticket_fts.rank) AS score
                FROM tickets_ticket_fts WHERE tickets_ticket_fts MATCH %s
                UNION ALL
                SELECT ticket_id, MAX(score) AS score FROM (
                    SELECT ticket_id, 1 - tickets_message_fts.rank AS score
                    FROM tickets_message_fts WHERE tickets_message_fts MATCH %s {internal}
                ) GROUP BY ticket_id
            ) {mine}
            GROUP BY ticket_id ORDER BY SUM(score) DESC, ticket_id DESC LIMIT %s
        """  # noqa: S608 (fixed text; every value is a parameter)
    return sql, [TITLE_WEIGHT, match, match, *kind_params, *mine_params, limit]


def ticket_ids_matching(
    *, query: str, include_internal: bool, limit: int, requester_id: int | None = None
) -> list[int]:
    """Ids of the tickets whose title or messages hold every word and phrase of ``query``,
    most relevant first, at most ``limit``. Without ``include_internal`` (a customer's
    search) internal notes never match. Any input is safe: without a word, nothing matches."""
    sql, params = ticket_ids_matching_sql(
        query=query, include_internal=include_internal, limit=limit, requester_id=requester_id
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
