"""Full-text search over published articles, ranked, on SQLite and PostgreSQL (migration 0002).

SQLite: the FTS5 table ``kb_article_fts(published_title, published_body)``, ranked by bm25()
with the title weighted TITLE_WEIGHT times the body. PostgreSQL: the stored tsvector ``search``
(title weight A, body weight B), ranked by ts_rank(), whose default weights count an A match
2.5 times a B one (1.0 against 0.4). Both tokenize without stemming,
case-insensitively. So that "refund" finds "Refunds" without stemming, and the word still being
typed finds the whole one, every word of PREFIX_MIN letters or more matches as a prefix.

User input never reaches either query language as syntax: only its words (letters and digits)
are kept, each quoted. ``every_word`` requires them all (the search box); otherwise any word
matches and more matches rank higher (suggestions from a ticket's title, a sentence with words
no article holds). Which articles a user may see is not decided here: the caller passes the
visible articles' ids as SQL (``scope``), built from kb/selectors.py's one rule.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection

TITLE_WEIGHT = 5.0
QUERY_MAX_CHARS = 200
WORDS_MAX = 12
MATCH_LIMIT = 100
PREFIX_MIN = 3
_WORD = re.compile(r"\w+")
# Words too common to say what an article is about (suggestions only).
_COMMON = (
    "a an and are as at be but by can do does for from get have how i if in is it me my no "
    "not of on or so that the this to was we what when where which who why will with you "
    "your"
)
STOP_WORDS = frozenset(_COMMON.split(" "))


def query_words(query: str, *, drop_common: bool = False) -> list[str]:
    words = [w.lower() for w in _WORD.findall(query[:QUERY_MAX_CHARS])]
    if drop_common:
        words = [w for w in words if w not in STOP_WORDS and len(w) > 1]
    return list(dict.fromkeys(words))[:WORDS_MAX]


def _sqlite_match(words: list[str], *, every_word: bool) -> str:
    terms = [f'"{w}"' + ("*" if len(w) >= PREFIX_MIN else "") for w in words]
    return (" AND " if every_word else " OR ").join(terms)


def _postgresql_match(words: list[str], *, every_word: bool) -> str:
    # \w+ only: no quote to escape
    terms = [f"'{w}'" + (":*" if len(w) >= PREFIX_MIN else "") for w in words]
    return (" & " if every_word else " | ").join(terms)


def article_ids_matching(
    *,
    query: str,
    scope: tuple[str, tuple[Any, ...]],
    every_word: bool = True,
    limit: int = MATCH_LIMIT,
) -> list[int]:
    """Ids of the published articles within ``scope`` (SQL selecting ids, and its
    parameters) that match ``query``, best first, at most ``limit``."""
    words = query_words(query, drop_common=not every_word)
    if not words or limit < 1:
        return []
    scope_sql, scope_params = scope
    if connection.vendor == "postgresql":
        match = _postgresql_match(words, every_word=every_word)
        sql = f"""
            SELECT id FROM kb_article
            WHERE search @@ to_tsquery('simple', %s) AND id IN ({scope_sql})
            ORDER BY ts_rank(search, to_tsquery('simple', %s)) DESC, id DESC LIMIT %s
        """  # noqa: S608 (fixed text; every value is a parameter)
        params: list[Any] = [match, *scope_params, match, limit]
    else:
        match = _sqlite_match(words, every_word=every_word)
        sql = f"""
            SELECT rowid FROM kb_article_fts
            WHERE kb_article_fts MATCH %s AND rowid IN ({scope_sql})
            ORDER BY bm25(kb_article_fts, %s, 1.0), rowid DESC LIMIT %s
        """  # noqa: S608 (fixed text; every value is a parameter)
        params = [match, *scope_params, TITLE_WEIGHT, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
