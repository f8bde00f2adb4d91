"""Comment kinds: emoji-only, generic stock phrases in several languages, spam, substantive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from microreach.science.comments import (
    EARLY_WINDOW,
    GENERIC_MAX_WORDS,
    CommentKind,
    CommentMix,
    ThreadQuality,
    classify_comment,
    comment_mix,
    is_low_effort,
    thread_quality,
)
from microreach.science.observations import CommentObservation
from microreach.synthetic import vocab

T0 = datetime(2026, 6, 1, tzinfo=UTC)

EMOJI, GENERIC = CommentKind.EMOJI, CommentKind.GENERIC
BOT, SUBSTANTIVE = CommentKind.BOT, CommentKind.SUBSTANTIVE


@pytest.mark.parametrize("text", ["🔥🔥🔥", "❤️❤️", "😍 😍", "!!!", "...", "", "   ", "👏🏽👏🏽"])
def test_emoji_and_punctuation_only(text: str) -> None:
    assert classify_comment(text) is EMOJI


@pytest.mark.parametrize(
    "text",
    [
        "Love this", "Nice pic!", "Yesss queen 🙌", "sooo cute", "Wow nice post 👍👍",
        "Congrats Ana!", "10/10", "Qué linda 😍", "Lindaaa", "Amei demais", "Wunderschön!",
        "Trop belle", "Bellissima ❤️", "Prachtig", "Keren banget kak", "Çok güzel",
        "かわいい", "So inspiring, keep going 💯",
    ],
)  # fmt: skip
def test_generic_stock_phrases_in_several_languages(text: str) -> None:
    assert classify_comment(text) is GENERIC


@pytest.mark.parametrize(
    "text",
    [
        "Nice! Check out my page", "Promote it on @promo.daily", "DM us to collab 💰",
        "Follow me back 🙏", "f4f?", "Earn $500 a day, link in my bio",
        "Send pic to @feature.hub to be featured", "visit www.cheap-followers.com",
        "https://bit.ly/3abc", "Sígueme y te sigo", "Folgt mir!", "Cute! 😍 check my profile",
        "message me for promo", "Suivez-moi", "me segue",
    ],
)  # fmt: skip
def test_spam_patterns(text: str) -> None:
    assert classify_comment(text) is BOT


@pytest.mark.parametrize(
    "text",
    [
        "Where did you get the linen dress? I have been looking for one",
        "How long did the bread take to proof?",
        "Recipe please",
        "Can you DM me the recipe?",  # a fan asking, not an offer
        "The link in bio doesn't work for me",  # the creator's link: not the commenter's own
        "Follow your dreams, this was a great read about burnout",
        "Wo hast du die Jacke gekauft?",
        "¿Dónde compraste ese vestido?",
    ],
)
def test_substantive_comments(text: str) -> None:
    assert classify_comment(text) is SUBSTANTIVE


def test_a_generic_phrase_stops_being_generic_past_the_word_limit() -> None:
    six = "Wow this is so so beautiful"
    assert len(six.split()) == GENERIC_MAX_WORDS
    assert classify_comment(six) is GENERIC
    assert classify_comment("Wow this is so so so beautiful") is SUBSTANTIVE


def test_two_word_rule_needs_one_stock_word() -> None:
    assert classify_comment("Congrats Marta") is GENERIC
    assert classify_comment("Marta Lisbon") is SUBSTANTIVE


def test_the_generators_vocabulary_lands_where_it_was_meant() -> None:
    noun = "linen dress"
    assert all(
        classify_comment(t.format(noun=noun)) is SUBSTANTIVE for t in vocab.SUBSTANTIVE_COMMENTS
    )
    assert all(classify_comment(t) is GENERIC for t in vocab.GENERIC_COMMENTS)
    assert all(classify_comment(t) is EMOJI for t in vocab.EMOJI_COMMENTS)
    assert all(classify_comment(t) is GENERIC for t in vocab.POD_COMMENTS)
    bots = [classify_comment(t.format(promo="viral.boost")) for t in vocab.BOT_COMMENTS]
    # "Wow nice post 👍👍" is a bot's, but its text is a stock phrase: generic is right.
    assert bots.count(BOT) == len(bots) - 1
    assert bots.count(GENERIC) == 1


def test_low_effort_is_everything_but_substantive() -> None:
    assert is_low_effort("🔥") and is_low_effort("Love it") and is_low_effort("follow me back")
    assert not is_low_effort("How did you style the blazer?")


def test_comment_mix_counts_and_shares() -> None:
    mix = comment_mix(["Love this", "🔥", "🔥", "follow me back", "Where is this cafe?"])
    assert mix == CommentMix(total=5, substantive=1, generic=1, emoji=2, bot=1)
    assert mix.share(EMOJI) == pytest.approx(0.4)
    assert mix.low_effort_share == pytest.approx(0.8)


def test_empty_mix_has_no_shares() -> None:
    mix = comment_mix([])
    assert mix.total == 0
    assert mix.share(SUBSTANTIVE) is None
    assert mix.low_effort_share is None


def said(
    who: str,
    text: str,
    minutes: float,
    post: str = "p1",
    *,
    known: bool = False,
    creator: bool = False,
    parent: str | None = None,
    cid: str = "",
) -> CommentObservation:
    return CommentObservation(
        who, text, T0 + timedelta(minutes=minutes), by_creator=creator, parent=parent,
        comment_id=cid, post_id=post, known_commenter=known,
    )  # fmt: skip


def test_thread_quality_counts_only_top_level_audience_comments() -> None:
    thread = [
        said("a", "Where is this?", 0, cid="c1"),
        said("b", "follow me back", 5),
        said("b", "Follow me back ", 9),  # the same words again, case and spaces aside
        said("c", "🔥", 40),
        said("me", "Thank you!", 50, creator=True, parent="c1"),
        said("a", "Love it", 55, parent="c1"),
    ]
    quality = thread_quality(thread)
    assert quality == ThreadQuality(
        comments=4, spam=2, low_effort=3, repeated=1, circle=0, threads=1,
        newest=T0 + timedelta(minutes=55),
    )  # fmt: skip


def test_early_circle_known_accounts_and_accounts_early_on_two_threads() -> None:
    window = EARLY_WINDOW.total_seconds() / 60
    thread = [
        said("k1", "Goals", 1, known=True),
        said("k2", "Goals", window + 5, known=True),  # known, but late
        said("r", "Yes!", 2, post="p1"),
        said("r", "Yes!", 3, post="p2"),  # early on both threads
        said("x", "Nice", 0, post="p2"),
    ]
    quality = thread_quality(thread)
    assert quality.threads == 2
    assert quality.circle == 3  # (p1, k1), (p1, r), (p2, r)
