"""The search tokenizer: documents and queries become ASCII words both engines read alike.

SQLite FTS5 (``unicode61``) and PostgreSQL (``to_tsvector('simple', ...)``) split and fold
text differently (hyphens, e-mails, URLs, accents, non-Latin letters). Both are handed text
this module already tokenized: lower-case runs of ``[a-z0-9]`` separated by single spaces, so
each engine sees exactly the same words and returns exactly the same documents.

- Text is NFKD-normalised and combining marks are dropped (``Décor`` -> ``decor``); ß, æ, ø,
  œ become ss, ae, o, oe.
- A word is a run of letters and digits; everything else separates words (``#ootd`` ->
  ``ootd``, ``e-mail`` -> ``e mail``, ``@brand`` -> ``brand``).
- A word still holding non-ASCII letters (Cyrillic, Greek, CJK, ...) is written as ``u8`` and
  the hex of its UTF-8 bytes; UTF-8 keeps prefixes, so prefix search still works on it.
- Words are cut at MAX_WORD characters of output.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_WORD = 64
MAX_QUERY_WORDS = 12
_WORD = re.compile(r"[^\W_]+")
_LIGATURES = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "\u0131": "i", "ł": "l"})


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _encode(word: str) -> str:
    if word.isascii():
        return word[:MAX_WORD]
    return ("u8" + word.encode("utf-8").hex())[:MAX_WORD]


def words(text: str) -> list[str]:
    """``text`` as search words, in order, repeats kept."""
    folded = _fold(text)
    if folded.isascii():
        return [w[:MAX_WORD] for w in _WORD.findall(folded)]
    return [_encode(w) for w in _WORD.findall(folded)]


def document(*parts: str) -> str:
    """The stored search document of several texts."""
    return " ".join(w for part in parts for w in words(part))


@dataclass(frozen=True, slots=True)
class Term:
    """One query word; ``prefix`` matches every word that starts with it."""

    word: str
    prefix: bool


def parse_query(text: str) -> tuple[Term, ...]:
    """Query words, all required: ``vegan bak*`` finds documents with the word vegan and a word
    starting with bak. A trailing ``*`` on a word asks for prefix matching."""
    terms: list[Term] = []
    for raw in text.split():
        prefix = raw.endswith("*")
        for index, word in enumerate(found := words(raw)):
            terms.append(Term(word, prefix and index == len(found) - 1))
    unique = list(dict.fromkeys(terms))
    return tuple(unique[:MAX_QUERY_WORDS])


def fts5_query(terms: tuple[Term, ...]) -> str:
    """The FTS5 MATCH expression: every term, quoted, ``*`` for prefixes."""
    return " AND ".join(f'"{t.word}"' + ("*" if t.prefix else "") for t in terms)


def tsquery(terms: tuple[Term, ...]) -> str:
    """The PostgreSQL ``to_tsquery('simple', ...)`` text: every term, ``:*`` for prefixes."""
    return " & ".join(t.word + (":*" if t.prefix else "") for t in terms)
