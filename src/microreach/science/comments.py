"""Comment text quality: substantive, generic, emoji-only or bot/spam, by fast heuristics."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from microreach.science.observations import CommentObservation

COMMENTS_VERSION = "1"
# A comment of more words than this is never generic, whatever its words.
GENERIC_MAX_WORDS = 6
# Comments this soon after a thread's first comment are "early" (engagement pods comment
# within minutes of posting).
EARLY_WINDOW = timedelta(minutes=15)


class CommentKind(StrEnum):
    SUBSTANTIVE = "substantive"  # says something about the post or asks something
    GENERIC = "generic"  # a stock phrase ("Love this", "Qué linda") that fits any post
    EMOJI = "emoji"  # emoji, punctuation or nothing at all
    BOT = "bot"  # spam: self-promotion, links, "follow me back", paid-promotion offers


LOW_EFFORT = frozenset({CommentKind.GENERIC, CommentKind.EMOJI, CommentKind.BOT})

_WORDS = re.compile(r"[^\W\d_]+")
_DIGIT = re.compile(r"\d")
_RUNS = re.compile(r"(\w)\1+")

# Spam patterns, each with the words one of which must be in the comment before the pattern
# is tried: most comments contain none, so most are never searched. Matched on case-folded text.
_BOT_RULES = (
    (
        "check visit see look",
        r"\b(?:check|visit|see|look at)\s+(?:out\s+)?(?:my|our)\s+"
        r"(?:page|profile|account|bio|feed|channel|ig|insta|stories|posts?)\b",
    ),
    ("promote promotion", r"\bpromot(?:e|ion)\s+(?:it|this|your|on|at)\b"),
    ("send", r"\bsend\s+(?:(?:a|the|your|us)\s+)?(?:pics?|photos?|it|dms?)\b"),
    ("dm", r"\bdm\s+(?:us|@\w+)\b"),
    (
        "dm message inbox contact",
        r"\b(?:dm|message|inbox|contact)\s+(?:me\s+|us\s+)?(?:to|for)\s+"
        r"(?:collab\w*|promo\w*|feature\w*|partner\w*|business|details|info)\b",
    ),
    (
        "follow",
        r"\bfollow\s*(?:me\s+|us\s+)?back\b|\bfollow\s+(?:me|us|my\s+(?:page|account))\b",
    ),
    ("f l s follow like sub", r"\b(?:f4f|l4l|s4s|follow4follow|like4like|sub4sub)\b"),
    ("featured", r"\b(?:to\s+be|get|getting)\s+featured\b"),
    ("ambassador", r"\bbrand\s+ambassador\b"),
    ("earn", r"\bearn\s+\$?\d"),
    ("day week hour", r"\$\s?\d+\s*(?:a|per|/)\s*(?:day|week|hour)\b"),
    ("link", r"\blink\s+in\s+my\s+bio\b"),
    ("sigue siguen segue", r"\bme\s+(?:sigue[ns]?|segue)\b"),
    ("segue", r"\bsegue\s+(?:de\s+volta|eu|a\s+gente)\b"),
    ("folgt folge", r"\bfolg(?:t|e)\s+mir\b"),
    ("abonne abonnez abonnes", r"\babonne[sz]?[- ]?(?:toi|vous)\b"),
    ("suivez", r"\bsuivez[- ]moi\b"),
    ("volg", r"\bvolg\s+mij\b"),
)


def _by_trigger(rules: tuple[tuple[str, str], ...]) -> dict[str, tuple[re.Pattern[str], ...]]:
    out: dict[str, tuple[re.Pattern[str], ...]] = {}
    for words, pattern in rules:
        compiled = re.compile(pattern)
        for word in words.split():
            out[word] = (*out.get(word, ()), compiled)
    return out


_BOT_TRIGGERS = _by_trigger(_BOT_RULES)
_TRIGGER_WORDS = frozenset(_BOT_TRIGGERS)
# Words that make a comment spam on their own.
_SPAM_WORDS = frozenset(
    ("crypto", "bitcoin", "forex", "onlyfans", "whatsapp", "telegram", "cashapp", "seguimi",
     "obserwuj", "sígueme", "sigueme")
)  # fmt: skip
_LINK = re.compile(r"\.(?:com|net|ly|io|link|shop|store|xyz|me)\b")


def _is_spam(lowered: str, words: list[str]) -> bool:
    if not _SPAM_WORDS.isdisjoint(words):
        return True
    for word in _TRIGGER_WORDS.intersection(words):
        for pattern in _BOT_TRIGGERS[word]:
            if pattern.search(lowered):
                return True
    if "." not in lowered:
        return False
    if "http" in lowered or "www." in lowered:
        return True
    return any(m.start() > 0 and lowered[m.start() - 1].isalnum() for m in _LINK.finditer(lowered))


# Stock words of generic comments, one line per language group.
_GENERIC_LEXICON = (
    # English
    "love loved loving lovely this that it its is was so much very really too such a an the "
    "and my i im you your u ur wow omg nice cool great good amazing awesome beautiful beauty "
    "gorgeous stunning stunner pretty cute perfect perfection wonderful fantastic fabulous "
    "fab excellent incredible best superb brilliant sweet epic fire lit dope goals goal queen "
    "king yes yay yeah yep ok okay lol haha hahaha lmao congrats congratulations thanks thank "
    "pic pics photo photos picture shot post content feed video vibes vibe mood look looks "
    "looking obsessed with everything inspiring inspo keep going up work job well done bravo "
    "slay need want hot adorable absolutely totally literally true same agree agreed facts "
    "all of for on in here we go girl boy man bro sis babe dear xoxo xo wowza woah whoa damn "
    "day ever",
    # Spanish, Portuguese
    "que qué hermosa hermoso bella bello linda lindo lindas lindos precioso preciosa guapa guapo "
    "genial increíble increible me encanta encantó muy bonita bonito divina divino espectacular "
    "maravilloso maravillosa top lo la el es tan belleza amo amor felicidades gracias "
    "maravilhosa maravilhoso amei perfeita perfeito demais muito show arrasou incrível incrivel "
    "parabéns parabens obrigada obrigado diva deusa",
    # German, French, Italian, Dutch
    "schön schoen sehr toll super wunderschön mega geil klasse hübsch richtig wirklich das ist "
    "liebe ich echt krass stark herrlich traumhaft danke magnifique trop beau belle génial "
    "superbe joli jolie adore j je t très tres sublime canon merci waouh bien c est ça ca "
    "bellissima bellissimo stupenda stupendo brava complimenti che molto troppo meraviglia "
    "meravigliosa grazie fantastica carina carino mooi prachtig leuk heel zo gaaf wauw",
    # Indonesian, Turkish, Polish, Swedish, Japanese, Korean, Chinese
    "keren cantik bagus mantap banget kak harika çok güzel süper mükemmel piękne pięknie "
    "cudowne śliczne fint snyggt underbart så かわいい 可愛い すごい 素敵 最高 大好き 최고 예뻐요 "
    "대박 好看 漂亮 太棒了",
)
_GENERIC = frozenset(word for line in _GENERIC_LEXICON for word in line.split())


@lru_cache(maxsize=1 << 16)
def classify_comment(text: str) -> CommentKind:
    """The kind of one comment's text (results are cached: stock comments repeat a lot)."""
    lowered = text.casefold()
    words = _WORDS.findall(lowered)
    if not words:
        return CommentKind.GENERIC if _DIGIT.search(lowered) else CommentKind.EMOJI
    if _is_spam(lowered, words):
        return CommentKind.BOT
    if _is_generic(words):
        return CommentKind.GENERIC
    return CommentKind.SUBSTANTIVE


def _is_generic(words: list[str]) -> bool:
    """Only stock words, or at most two words of which one is a stock word ("Congrats Ana")."""
    if len(words) > GENERIC_MAX_WORDS:
        return False
    if len(words) <= 2:
        return any(_known(word) for word in words)
    return all(_known(word) for word in words)


@lru_cache(maxsize=1 << 14)
def _known(word: str) -> bool:
    """A stock word, also when stretched ("sooo", "yesss", "lindaaa", "goood")."""
    if word in _GENERIC:
        return True
    if _RUNS.search(word) is None:
        return False
    single = _RUNS.sub(r"\1", word)
    double = _RUNS.sub(r"\1\1", word)
    return single in _GENERIC or double in _GENERIC


def is_low_effort(text: str) -> bool:
    return classify_comment(text) in LOW_EFFORT


@dataclass(frozen=True, slots=True)
class CommentMix:
    """How many comments of each kind; shares are of ``total``."""

    total: int
    substantive: int
    generic: int
    emoji: int
    bot: int

    def count(self, kind: CommentKind) -> int:
        counts = {
            CommentKind.SUBSTANTIVE: self.substantive,
            CommentKind.GENERIC: self.generic,
            CommentKind.EMOJI: self.emoji,
            CommentKind.BOT: self.bot,
        }
        return counts[kind]

    def share(self, kind: CommentKind) -> float | None:
        return self.count(kind) / self.total if self.total else None

    @property
    def low_effort_share(self) -> float | None:
        if self.total == 0:
            return None
        return (self.generic + self.emoji + self.bot) / self.total


def comment_mix(texts: Iterable[str]) -> CommentMix:
    """Counts of each kind among ``texts``."""
    counts = dict.fromkeys(CommentKind, 0)
    for text in texts:
        counts[classify_comment(text)] += 1
    return CommentMix(
        total=sum(counts.values()),
        substantive=counts[CommentKind.SUBSTANTIVE],
        generic=counts[CommentKind.GENERIC],
        emoji=counts[CommentKind.EMOJI],
        bot=counts[CommentKind.BOT],
    )


@dataclass(frozen=True, slots=True)
class ThreadQuality:
    """Quality counts over the top-level comments by the audience (creator and replies left
    out) of an account's comment threads."""

    comments: int
    spam: int  # bot or spam
    low_effort: int  # generic, emoji-only or spam
    repeated: int  # the same account's earlier comment again, word for word
    circle: int  # (thread, account) pairs of early comments from known or recurring accounts
    threads: int
    newest: datetime | None


def thread_quality(
    comments: Sequence[CommentObservation], window: timedelta = EARLY_WINDOW
) -> ThreadQuality:
    """Counts for the authenticity score. A comment is early when it comes within ``window``
    of its thread's first comment; an early commenter belongs to the circle when microreach
    knows the account or when it is early on more than one thread."""
    starts: dict[str, datetime] = {}
    for c in comments:
        start = starts.get(c.post_id)
        if start is None or c.commented_at < start:
            starts[c.post_id] = c.commented_at
    total = spam = low_effort = repeated = 0
    said: set[tuple[str, str]] = set()
    early: dict[str, set[str]] = {}
    known: set[tuple[str, str]] = set()
    for c in comments:
        if c.by_creator or c.parent is not None:
            continue
        total += 1
        kind = classify_comment(c.text)
        spam += kind is CommentKind.BOT
        low_effort += kind in LOW_EFFORT
        words = (c.commenter, c.text.casefold().strip())
        repeated += words in said
        said.add(words)
        if c.commented_at - starts[c.post_id] <= window:
            early.setdefault(c.commenter, set()).add(c.post_id)
            if c.known_commenter:
                known.add((c.post_id, c.commenter))
    circle = known | {(p, who) for who, posts in early.items() if len(posts) > 1 for p in posts}
    newest = max((c.commented_at for c in comments), default=None)
    return ThreadQuality(total, spam, low_effort, repeated, len(circle), len(starts), newest)
