"""The search tokenizer both engines read: hand-checked documents and queries."""

from __future__ import annotations

from microreach.discovery.search.tokens import Term, document, fts5_query, parse_query, tsquery


def test_words_are_lower_case_ascii_runs_with_accents_folded() -> None:
    assert document("Décor & Crème-brûlée #OOTD @Brand_Name e-mail: a.b@x.io") == (
        "decor creme brulee ootd brand name e mail a b x io"
    )
    assert document("Straße Œuvre") == "strasse oeuvre"


def test_non_latin_words_become_hex_that_keeps_prefixes() -> None:
    whole, start = document("привет"), document("при")
    assert whole.startswith("u8") and whole.isascii()
    assert whole.startswith(start)


def test_queries_require_every_word_and_star_means_prefix() -> None:
    terms = parse_query("Vegan  bak* vegan")
    assert terms == (Term("vegan", False), Term("bak", True))
    assert fts5_query(terms) == '"vegan" AND "bak"*'
    assert tsquery(terms) == "vegan & bak:*"


def test_a_query_of_punctuation_has_no_terms() -> None:
    assert parse_query("*** !!") == ()
