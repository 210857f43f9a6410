"""Full-text search over ticket titles and messages, ranked, on SQLite and PostgreSQL.

SQLite: FTS5 external-content tables ``tickets_ticket_fts(title)`` and
``tickets_message_fts(body, kind UNINDEXED, ticket_id UNINDEXED)``, kept in sync by
triggers (migration 0004), ranked with bm25(). PostgreSQL: stored generated columns
``title_search`` and ``body_search`` holding ``to_tsvector('simple', ...)`` of the title and
the body, with GIN indexes (migration 0006), ranked with ts_rank().

User input never reaches either query language as syntax: it is split into words and
"quoted phrases", and each becomes a quoted phrase in the backend's syntax, all of them
required. Both backends tokenize without stemming, case-insensitively.

Relevance: each ticket scores TITLE_WEIGHT * (1 + title rank) when its title matches, plus
1 + the best rank of its matching messages. A title match therefore outweighs a
message-only one. The cost is bounded: only the newest RANK_WINDOW matching titles and
messages are ranked, so a word found in millions of messages costs what a rarer one does.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection

from frontdesk.tickets.models import MessageKind

TITLE_WEIGHT = 3.0
# The most matches a search considers: the best ones by relevance.
MATCH_LIMIT = 1000
# How many of the newest matching titles, and of the newest matching messages, are ranked.
# Ranking costs a little per match, and a common word matches millions of messages: ranking
# them all took 1.5 s (SQLite) and 12.6 s (PostgreSQL) at 1,000,000 tickets. A rarer word or
# phrase (fewer matches than this) is ranked in full; for a common one the best matches are
# found among recent tickets.
RANK_WINDOW = 2000
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
    *,
    query: str,
    include_internal: bool,
    limit: int = MATCH_LIMIT,
    requester_id: int | None = None,
    window: int | None = None,
) -> tuple[str, list[Any]]:
    """SQL (and its parameters) selecting the ids of matching tickets, best first: usable as
    a subquery (``pk__in=RawSQL(...)``) so a search stays one query. ``requester_id`` keeps
    to one customer's tickets before anything is cut. Only the newest ``window`` matching
    titles and messages are ranked (see RANK_WINDOW)."""
    terms = search_terms(query)
    if not terms or limit < 1:
        return _NOTHING
    window = RANK_WINDOW if window is None else window
    match = _quoted(terms)
    internal = "" if include_internal else "AND kind <> %s"
    kind_params: list[Any] = [] if include_internal else [str(MessageKind.INTERNAL)]
    mine = "IN (SELECT id FROM tickets_ticket WHERE requester_id = %s)"
    mine_params: list[Any] = [requester_id]
    if requester_id is None:
        mine, mine_params = "", []
    mine_title = f"AND id {mine}" if mine else ""
    mine_message = f"AND ticket_id {mine}" if mine else ""
    if connection.vendor == "postgresql":
        # The tsquery is written out in each place (websearch_to_tsquery is immutable, so
        # it is folded into a constant), which lets the planner estimate how many rows
        # match: for a rare word it reads the GIN index, for a common one it walks the
        # primary key backwards and stops after ``window`` matches. The vectors are stored
        # columns (migration 0006), so neither path parses text again.
        tsquery = "websearch_to_tsquery('simple', %s)"
        sql = f"""
            SELECT ticket_id FROM (
                SELECT id AS ticket_id, %s * (1 + ts_rank(title_search, {tsquery})) AS score
                FROM (
                    SELECT id, title_search FROM tickets_ticket
                    WHERE title_search @@ {tsquery} {mine_title}
                    ORDER BY id DESC LIMIT %s
                ) AS titles
                UNION ALL
                SELECT ticket_id, MAX(1 + ts_rank(body_search, {tsquery})) AS score
                FROM (
                    SELECT ticket_id, body_search FROM tickets_message
                    WHERE body_search @@ {tsquery} {internal} {mine_message}
                    ORDER BY id DESC LIMIT %s
                ) AS messages
                GROUP BY ticket_id
            ) AS matches
            GROUP BY ticket_id ORDER BY SUM(score) DESC, ticket_id DESC LIMIT %s
        """  # noqa: S608 (fixed text; every value is a parameter)
        params = [
            *(TITLE_WEIGHT, match, match, *mine_params, window),
            *(match, match, *kind_params, *mine_params, window),
            limit,
        ]
        return sql, params
    # rank is bm25(), negative, lower is better: -rank is a rank like ts_rank's. (The rank
    # column rather than bm25() itself: SQLite may flatten these subqueries, where an
    # auxiliary function cannot be called.) FTS5 returns matches in rowid order and stops at
    # the LIMIT, so the rank is only computed for the newest ``window`` of them.
    mine_rowid = f"AND rowid {mine}" if mine else ""
    sql = f"""
        SELECT ticket_id FROM (
            SELECT ticket_id, %s * (1 - rank) AS score FROM (
                SELECT rowid AS ticket_id, rank FROM tickets_ticket_fts
                WHERE tickets_ticket_fts MATCH %s {mine_rowid}
                ORDER BY rowid DESC LIMIT %s
            )
            UNION ALL
            SELECT ticket_id, MAX(1 - rank) AS score FROM (
                SELECT ticket_id, rank FROM tickets_message_fts
                WHERE tickets_message_fts MATCH %s {internal} {mine_message}
                ORDER BY rowid DESC LIMIT %s
            ) GROUP BY ticket_id
        )
        GROUP BY ticket_id ORDER BY SUM(score) DESC, ticket_id DESC LIMIT %s
    """  # noqa: S608 (fixed text; every value is a parameter)
    params = [
        *(TITLE_WEIGHT, match, *mine_params, window),
        *(match, *kind_params, *mine_params, window),
        limit,
    ]
    return sql, params


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
