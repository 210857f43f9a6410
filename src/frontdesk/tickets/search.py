"""Full-text search over ticket titles and messages, ranked, on SQLite and PostgreSQL.

SQLite: FTS5 external-content tables ``tickets_ticket_fts(title)`` and
``tickets_message_fts(body, kind UNINDEXED, ticket_id UNINDEXED)``, kept in sync by
triggers (migration 0004), ranked by bm25's term frequency (see _sqlite_parts).
PostgreSQL: stored generated columns ``title_search`` and ``body_search`` holding
``to_tsvector('simple', ...)`` of the title and the body, with GIN indexes (migration 0006)
and BRIN indexes on the ids (migration 0012), ranked with ts_rank().

User input never reaches either query language as syntax: it is split into words and
"quoted phrases", and each becomes a quoted phrase in the backend's syntax, all of them
required. Both backends tokenize without stemming, case-insensitively.

Relevance: each ticket scores TITLE_WEIGHT * (1 + title rank) when its title matches, plus
1 + the best rank of its matching messages. A title match therefore outweighs a
message-only one. A search that is one username or email address also finds the tickets
that person asked, first (PERSON_SCORE). The cost is bounded: only the newest RANK_WINDOW
matching titles, messages and tickets of the person are ranked, and they are found without
reading the older matches, so a word found in millions of messages costs what a rarer one
does. (A ticket number is not searched here: the selectors put the ticket it names first.)
A customer's search starts from their own tickets (_requester_way): among everyone's newest
matches, theirs are few, and a common word read every match to find them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import connection

from frontdesk.core.postgresql import PLANNED_EACH_TIME
from frontdesk.tickets.models import MessageKind

TITLE_WEIGHT = 3.0
# bm25's constants (SQLite's score): how fast repeated terms stop counting, and how much a
# long text is discounted against a text of typical length.
K1 = 1.2
B = 0.75
TYPICAL_TITLE_CHARS = 40
TYPICAL_MESSAGE_CHARS = 200
# A ticket whose requester the search names (see _person_part): above any sum of a title
# (at most TITLE_WEIGHT * (2 + K1)) and a message (at most 2 + K1) match.
PERSON_SCORE = 20.0
# The most matches a search considers: the best ones by relevance.
MATCH_LIMIT = 1000
# How many of the newest matching titles, and of the newest matching messages, are ranked.
# Ranking costs a little per match, and a common word matches millions of messages: ranking
# them all took 1.5 s (SQLite) and 12.6 s (PostgreSQL) at 1,000,000 tickets. A rarer word or
# phrase (fewer matches than this) is ranked in full; for a common one the best matches are
# found among recent tickets. 2,000 cost SQLite 16-37 ms for the ranking query alone at 5.2
# million messages, 500 cost 4-20 ms ("class", "thanks", "dark mode", "class refund";
# in-process, load average 7.6): the cost is linear in the window.
RANK_WINDOW = 500
# A customer's search starts from their own tickets when they asked at most this many
# (_sqlite_own_parts, _postgresql_own_parts); past it, from the newest matches of everyone.
OWN_TICKETS = 5_000
# SQLite's cap is higher: there their own rows cost the list of their message ids, 90-190 ms
# for the heaviest demo customer's (22,459 tickets, 110,000 messages; a common word, a rare
# one or a phrase in 160-250 ms), where everyone's matches cost 0.2-4.5 s.
SQLITE_OWN_TICKETS = 25_000
# SQLite: up to this many tickets, a customer's rows are looked up one by one when the words
# match more than this many messages for each of their tickets (see _sqlite_own_parts).
OWN_LOOKUP_TICKETS = 300
LOOKUP_MATCHES_PER_TICKET = 1_000
# How a requester's search finds their matches (_requester_way).
EVERYONES = "among everyone's matches"
OWN_LOOKED_UP = "their rows looked up"
OWN_CHECKED = "everyone's matches checked against their rows"
# Longer input is cut here before parsing: a query never grows without bound.
QUERY_MAX_CHARS = 1000

_TERMS = re.compile(r'"([^"]*)"?|([^\s"]+)')
_WORD = re.compile(r"\w")
_ONE_WORD = re.compile(r"\w+")
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
    to one customer's tickets before anything is cut (one small query first chooses how:
    _requester_way). Only the newest ``window`` matching titles and messages are ranked
    (see RANK_WINDOW)."""
    terms = search_terms(query)
    if not terms or limit < 1:
        return _NOTHING
    match = _quoted(terms)
    scope = _Scope(
        match=match,
        several_words=len(terms) > 1 or not _ONE_WORD.fullmatch(terms[0]),
        window=RANK_WINDOW if window is None else window,
        include_internal=include_internal,
        requester_id=requester_id,
        way=EVERYONES if requester_id is None else _requester_way(requester_id, match),
    )
    postgresql = connection.vendor == "postgresql"
    if scope.way == EVERYONES:
        parts = [_postgresql_parts(scope) if postgresql else _sqlite_parts(scope)]
    else:
        parts = [_postgresql_own_parts(scope) if postgresql else _sqlite_own_parts(scope)]
    if len(terms) == 1:
        parts.append(_person_part(terms[0], scope))
    union = " UNION ALL ".join(sql for sql, _ in parts)
    # Never prepared: a plan made without the words reads 3-10 times as long.
    sql = f"""
        SELECT {PLANNED_EACH_TIME} ticket_id FROM ({union}) AS matches
        GROUP BY ticket_id ORDER BY SUM(score) DESC, ticket_id DESC LIMIT %s
    """  # noqa: S608 (fixed text; every value is a parameter)
    return sql, [*(value for _, params in parts for value in params), limit]


@dataclass(frozen=True)
class _Scope:
    match: str  # the terms in the backend's query syntax
    several_words: bool  # more than one word, or a term the parser may split into several
    window: int
    include_internal: bool
    requester_id: int | None
    way: str  # EVERYONES, OWN_LOOKED_UP or OWN_CHECKED (_requester_way)

    def mine(self, column: str) -> tuple[str, list[Any]]:
        """``column`` (a ticket id) limited to the requester's tickets, if there is one."""
        if self.requester_id is None:
            return "", []
        return (
            f"AND {column} IN (SELECT id FROM tickets_ticket WHERE requester_id = %s)",  # noqa: S608
            [self.requester_id],
        )

    def public(self) -> tuple[str, list[Any]]:
        if self.include_internal:
            return "", []
        return "AND kind <> %s", [str(MessageKind.INTERNAL)]


def _sqlite_parts(scope: _Scope) -> tuple[str, list[Any]]:
    """Titles and messages from the FTS5 tables, each newest first up to the window.

    FTS5 returns matches in rowid order and stops at the LIMIT. The score is bm25's term
    frequency part (K1, B) without its IDF: every term is required, so rows differ in how
    often and how densely they hold the terms, not in which. bm25() itself counts, for its
    IDF, every row of the index that holds each term before it ranks the first one: 15-35 ms
    for a common word at 5.2 million messages whatever the window ("class": 450,000 rows),
    against 2-4 ms to rank the newest 500 matches from highlight()'s marks (in-process,
    sqlite3, load average 3-4). highlight() reads the row's text, as the ticket id and kind
    of a message already do."""
    mine_title, mine_title_params = scope.mine("rowid")
    mine_message, mine_message_params = scope.mine("ticket_id")
    return _sqlite_newest(
        scope, (mine_title, mine_title_params), (mine_message, mine_message_params)
    )


def _sqlite_newest(
    scope: _Scope, titles: tuple[str, list[Any]], messages: tuple[str, list[Any]]
) -> tuple[str, list[Any]]:
    """The newest ``scope.window`` matching titles and messages that also meet ``titles``'
    and ``messages``' conditions (SQL on the FTS5 tables, and its parameters), scored.
    SQLite tests the conditions in the order written: a message's own condition comes
    before its kind, which is read from the table (a common word's matches checked against
    someone's 21,441 message ids: 485-610 ms with the kind read first, 40-60 ms after)."""
    public, public_params = scope.public()
    title_score = _sqlite_tf_score("marked", TYPICAL_TITLE_CHARS)
    message_score = _sqlite_tf_score("marked", TYPICAL_MESSAGE_CHARS)
    sql = f"""
        SELECT ticket_id, %s * (1 + {title_score}) AS score FROM (
            SELECT rowid AS ticket_id, highlight(tickets_ticket_fts, 0, char(1), '') AS marked
            FROM tickets_ticket_fts WHERE tickets_ticket_fts MATCH %s {titles[0]}
            ORDER BY rowid DESC LIMIT %s
        )
        UNION ALL
        SELECT ticket_id, MAX(1 + {message_score}) AS score FROM (
            SELECT ticket_id, highlight(tickets_message_fts, 0, char(1), '') AS marked
            FROM tickets_message_fts WHERE tickets_message_fts MATCH %s {messages[0]} {public}
            ORDER BY rowid DESC LIMIT %s
        ) GROUP BY ticket_id
    """  # noqa: S608 (fixed text; every value is a parameter)
    params = [
        *(TITLE_WEIGHT, scope.match, *titles[1], scope.window),
        *(scope.match, *messages[1], *public_params, scope.window),
    ]
    return sql, params


def _sqlite_own_parts(scope: _Scope) -> tuple[str, list[Any]]:
    """A requester's titles and messages found from their own tickets' rows (ids from the
    requester and (ticket_id, id) indexes), not among everyone's matches, newest first up to
    the window, in one of two ways (_requester_way):

    - OWN_LOOKED_UP: each of their rows looked up in the FTS5 index (which answers
      ``rowid = ?`` with the words), about 70 us a row (300 us for a phrase) whatever the
      words;
    - OWN_CHECKED: the words' matches newest first, each checked against the list of their
      message ids (``+rowid`` keeps FTS5 from looking them up), 0.2-0.3 us a match,
      stopping when the window is full: a rare word costs little, and someone with many
      tickets soon fills the window.

    At 5.2 million messages (in process, load average 1.5-2): someone with 267 tickets
    (1,400 messages) and "class" (620,793 messages): looked up 97-107 ms, checked 120-190 ms
    (every match read); "dark mode" (13,966): looked up 118-172 ms, checked 3-12 ms; someone
    with 4,097 tickets (21,441 messages): looked up 1.3-1.8 s, checked 50-80 ms. Among
    everyone's matches, each was checked against the ticket id its message row holds: 1-4 s
    for a common word and anyone with few tickets (every match read, each from the table)."""
    rowid = "rowid" if scope.way == OWN_LOOKED_UP else "+rowid"
    own_tickets = "SELECT id FROM tickets_ticket WHERE requester_id = %s"
    own_messages = f"SELECT id FROM tickets_message WHERE ticket_id IN ({own_tickets})"  # noqa: S608
    return _sqlite_newest(
        scope,
        (f"AND {rowid} IN ({own_tickets})", [scope.requester_id]),
        (f"AND {rowid} IN ({own_messages})", [scope.requester_id]),
    )


def _requester_way(requester_id: int, match: str) -> str:
    """How a requester's search finds their matches: among everyone's newest matches
    (EVERYONES) when they asked more than OWN_TICKETS tickets (SQLITE_OWN_TICKETS), else
    from their own rows.
    On SQLite their rows are looked up one by one (OWN_LOOKED_UP) when they asked at most
    OWN_LOOKUP_TICKETS and the words match more than LOOKUP_MATCHES_PER_TICKET messages
    for each of their tickets, else everyone's matches are checked against them
    (OWN_CHECKED): see _sqlite_own_parts. One query, reading at most one id past the cap
    from the requester index and, on SQLite, the words' first matches (ids only): 0.1-1 ms,
    up to 25 ms for a common word and someone with 300 tickets."""
    postgresql = connection.vendor == "postgresql"
    cap = OWN_TICKETS if postgresql else SQLITE_OWN_TICKETS
    own = "SELECT 1 FROM tickets_ticket WHERE requester_id = %s LIMIT %s"
    tickets = f"(SELECT count(*) FROM ({own}) AS own)"  # noqa: S608 (fixed text)
    asked = [requester_id, cap + 1]
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute(f"SELECT {tickets}", asked)
            (count,) = cursor.fetchone()
            return OWN_LOOKED_UP if count <= cap else EVERYONES
        matches = f"""SELECT count(*) FROM (
            SELECT 1 FROM tickets_message_fts WHERE tickets_message_fts MATCH %s
            LIMIT {tickets} * %s + 1
        )"""  # noqa: S608 (fixed text; every value is a parameter)
        cursor.execute(
            f"SELECT {tickets}, CASE WHEN {tickets} <= %s THEN ({matches}) END",
            [*asked, *asked, OWN_LOOKUP_TICKETS, match, *asked, LOOKUP_MATCHES_PER_TICKET],
        )
        count, found = cursor.fetchone()
    if count > cap:
        return EVERYONES
    if found is not None and found > count * LOOKUP_MATCHES_PER_TICKET:
        return OWN_LOOKED_UP
    return OWN_CHECKED


def _sqlite_tf_score(marked: str, typical_chars: int) -> str:
    """bm25's term-frequency part, 0 to K1 + 1, of a text whose matches highlight() marked
    with char(1): the number of marks against the text's length."""
    hits = f"(length({marked}) - length(replace({marked}, char(1), '')))"
    chars = f"(length({marked}) - {hits})"
    return f"({hits} * {K1 + 1} / ({hits} + {K1} * ({1 - B} + {B} * {chars} / {typical_chars}.0)))"


def _postgresql_parts(scope: _Scope) -> tuple[str, list[Any]]:
    """Titles and messages by their stored tsvectors (migration 0006), the newest ``window``
    matches of each (see _newest_matches), ranked with ts_rank()."""
    mine_title, mine_title_params = scope.mine("id")
    mine_message, mine_message_params = scope.mine("ticket_id")
    public, public_params = scope.public()
    titles, title_params = _newest_matches(
        "tickets_ticket",
        "id AS ticket_id, title_search AS vector",
        "title_search",
        mine_title,
        [*mine_title_params],
        scope,
        ranges_by_id=False,
    )
    messages, message_params = _newest_matches(
        "tickets_message",
        "ticket_id, body_search AS vector",
        "body_search",
        f"{public} {mine_message}",
        [*public_params, *mine_message_params],
        scope,
    )
    return _postgresql_scored(scope, (titles, title_params), (messages, message_params))


def _postgresql_scored(
    scope: _Scope, titles: tuple[str, list[Any]], messages: tuple[str, list[Any]]
) -> tuple[str, list[Any]]:
    """The ticket ids and scores of ``titles`` and ``messages`` (queries of ticket ids and
    tsvectors), ranked with ts_rank()."""
    sql = f"""
        SELECT ticket_id, %s * (1 + ts_rank(vector, {_TSQUERY})) AS score FROM ({titles[0]}) AS t
        UNION ALL
        SELECT ticket_id, MAX(1 + ts_rank(vector, {_TSQUERY})) AS score FROM ({messages[0]}) AS m
        GROUP BY ticket_id
    """  # noqa: S608 (fixed text; every value is a parameter)
    return sql, [TITLE_WEIGHT, scope.match, *titles[1], scope.match, *messages[1]]


def _postgresql_own_parts(scope: _Scope) -> tuple[str, list[Any]]:
    """A requester's search when they asked at most OWN_TICKETS tickets: their titles from
    the (requester_id, id) index, their messages from their tickets through the
    (ticket_id, id) index, each row checked with ``ts_match_vq`` (``@@`` that no index
    answers: the GIN index would read everyone's matches of a common word), newest first up
    to the window. The cost follows the requester's messages, not the words': 4-25 ms for
    someone with 8-226 tickets, 100-240 ms with 4,095-4,701 (1 million tickets, 5.2
    million messages, load average 4-5). ``id + 0`` keeps the planner from walking the
    primary key backwards, testing every message's ticket, in the hope of filling the window
    early: for someone with 4,701 tickets it did, 2.4-2.8 s for a rare word."""
    public, public_params = scope.public()
    titles = f"""
        SELECT id AS ticket_id, title_search AS vector FROM tickets_ticket
        WHERE requester_id = %s AND ts_match_vq(title_search, {_TSQUERY})
        ORDER BY id DESC LIMIT %s
    """  # noqa: S608 (fixed text; every value is a parameter)
    messages = f"""
        SELECT ticket_id, body_search AS vector FROM tickets_message
        WHERE ticket_id IN (SELECT id FROM tickets_ticket WHERE requester_id = %s)
        AND ts_match_vq(body_search, {_TSQUERY}) {public}
        ORDER BY id + 0 DESC LIMIT %s
    """  # noqa: S608 (fixed text; every value is a parameter)
    own = [scope.requester_id, scope.match]
    return _postgresql_scored(
        scope,
        (titles, [*own, scope.window]),
        (messages, [*own, *public_params, scope.window]),
    )


_TSQUERY = "websearch_to_tsquery('simple', %s)"
# The same, as a value the planner sees only when the query runs (an InitPlan): it then
# estimates every search alike (see _newest_matches).
_TSQUERY_UNSEEN = f"(SELECT {_TSQUERY})"
# The newest rows every search reads one by one (see _newest_matches).
RECENT_ROWS = 5_000
# When the recent rows hold this many matches, older rows are not searched.
ENOUGH_RECENT = 25
# The id ranges before the recent rows, read one after another, newest first (each from
# where the last one ended); the last range is the rest.
_RANGES = (200_000, 2_000_000)


def _newest_matches(
    table: str,
    columns: str,
    vector: str,
    condition: str,
    params: list[Any],
    scope: _Scope,
    *,
    ranges_by_id: bool = True,
) -> tuple[str, list[Any]]:
    """The newest matching rows of ``table``, at most ``scope.window``, without reading
    every match.

    One query over the whole table cannot do this. A common word is found by walking the
    primary key backwards, stopping at the window; but a phrase's matches are
    underestimated (``'dark' <-> 'mode'``: 200 estimated, 14,079 real at 5.2 million
    messages), so the planner reads every match through the GIN index and sorts them all
    (115 ms for the query, 816 ms p95 for the search), and a phrase with a common word
    ("refunded the difference") spends 190-270 ms in the GIN index alone, intersecting the
    rows that hold "the" (1 million tickets, load average 9). So, in order:

    1. the newest RECENT_ROWS rows one by one (``ts_match_vq`` is ``@@`` that no index
       answers, so the planner cannot choose the GIN index), stopping at the window:
       at most 20,000 checks, 27-34 ms for a phrase (load average 9);
    2. only if those held fewer than ENOUGH_RECENT matches, the id ranges of _RANGES, one
       after another (an Append under a LIMIT starts a range only when the ones before it
       ran out). Within a range the GIN index is intersected with the BRIN index on the id
       (migration 0012), so only the matches in the range are read from the table.

    Past the recent rows the planner is not shown several words (_TSQUERY_UNSEEN): it then
    estimates 0.5 % of the rows for any such search, and intersects GIN with BRIN. Shown
    them, it believed the words of a phrase independent: ``"door entry code"``, three words
    that come together, 2 messages estimated where 24,081 hold them, so it skipped the BRIN
    index and read all 24,081 rows from the table to keep the 929 in the range (312 ms
    against 19 ms intersected, 1 million tickets, load average 3). One word it estimates
    from its statistics, and well: a word common in the older rows is then found walking
    the primary key, where a GIN bitmap of all its rows would cost hundreds of ms.

    Each older part is a subquery of its own (OFFSET 0) under the test of the recent rows,
    so none of its plan starts when the recent rows were enough. Inside it, the test ran
    after the planner's parallel workers for a common word had been started, for every
    search ("booking": 55 ms, 9-11 ms without).

    Without ``ranges_by_id`` (titles) everything older than the recent rows is one read
    through the GIN index alone, the id bounds hidden from the indexes on the id: given the
    id, the planner walked the primary key through a range and checked every title, because
    it expected far more matches than two common words that rarely meet have ("booking
    studio": 200,000 then 795,005 titles checked, 586 ms, against 11 ms through GIN; 1
    million tickets, quiet). Read by ranges, each range read the GIN index again for a few
    rows of its own (7-15 ms each for "booking studio", which no title holds); one read of
    every older match costs what the first range did.

    The recent rows' tsquery is written out (websearch_to_tsquery is immutable, so it is
    folded into a constant): ``ts_match_vq`` needs no estimate."""
    top = f"(SELECT max(id) FROM {table})"  # noqa: S608 (fixed names only)
    recent_name = f"{table}_recent"
    recent = f"""{recent_name} AS MATERIALIZED (
        SELECT {columns} FROM {table}
        WHERE id > {top} - {RECENT_ROWS} AND ts_match_vq({vector}, {_TSQUERY}) {condition}
        ORDER BY id DESC LIMIT %s
    )"""  # noqa: S608 (fixed text; every value is a parameter)
    values: list[Any] = [scope.match, *params, scope.window]
    selects = [f"SELECT * FROM {recent_name}"]  # noqa: S608
    too_few = f"(SELECT count(*) FROM {recent_name}) < {ENOUGH_RECENT}"  # noqa: S608
    words = _TSQUERY_UNSEEN if scope.several_words else _TSQUERY
    bounds = [f"{top} - {RECENT_ROWS + width}" for width in _RANGES] if ranges_by_id else []
    for newer, older in zip([f"{top} - {RECENT_ROWS}", *bounds], [*bounds, None], strict=True):
        # The rest (no lower bound; for titles, everything past the recent rows) is read
        # through the GIN index alone: by then the matches are few, and a bitmap of
        # millions of ids would cost more than they do.
        within = f"id <= {newer} AND id > {older}" if older else f"id + 0 <= {newer}"
        # OFFSET 0 keeps the part a subquery of its own, so that the test of the recent
        # rows is made above it, before any of its plan starts (parallel workers too).
        selects.append(
            f"""(SELECT * FROM (SELECT {columns} FROM {table}
            WHERE {vector} @@ {words} {condition} AND {within}
            ORDER BY id DESC OFFSET 0) AS older WHERE {too_few})"""  # noqa: S608
        )
        values += [scope.match, *params]
    union = " UNION ALL ".join(selects)
    sql = f"WITH {recent} SELECT * FROM ({union}) AS newest LIMIT %s"  # noqa: S608
    return sql, [*values, scope.window]


def _person_part(term: str, scope: _Scope) -> tuple[str, list[Any]]:
    """The tickets of the person ``term`` names (their username or email address, in any
    case), newest first up to the window: an agent typing a customer's name expects that
    customer's tickets, not only the messages that happen to hold the name. It goes through
    the same scope as the text: a customer finds only their own tickets, so naming someone
    else finds nothing of theirs. Each scores PERSON_SCORE, more than any title and message
    match can add up to, so the person's own tickets come first. The newest 500 of a
    customer's tickets: SQLite 0.5 ms for one with 22,422 (its requester index holds the
    rowid); PostgreSQL 3-7 ms for one with 6,783 from the (requester_id, id) index of
    migration 0012, 100-240 ms without it (load average 10)."""
    mine, mine_params = scope.mine("id")
    sql = f"""
        SELECT ticket_id, %s AS score FROM (
            SELECT id AS ticket_id FROM tickets_ticket
            WHERE requester_id IN (
                SELECT id FROM accounts_user
                WHERE LOWER(username) = LOWER(%s) OR LOWER(email) = LOWER(%s)
            ) {mine}
            ORDER BY id DESC LIMIT %s
        ) AS requested
    """  # noqa: S608 (fixed text; every value is a parameter)
    return sql, [PERSON_SCORE, term, term, *mine_params, scope.window]


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
