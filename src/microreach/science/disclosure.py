"""Sponsored posts: platform flags, disclosure markers in many languages, likely undisclosed ads."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from microreach.science.observations import PostObservation

DISCLOSURE_VERSION = "1"
EXAMPLES = 3

# Hashtags that disclose a commercial relationship, compared whole and case-insensitively, so
# #adventure, #adidas or #advice never count as #ad. By language: English, German, Spanish,
# Portuguese, French, Italian, Dutch, Scandinavian, Polish, Turkish.
_MARKER_TAG_LINES = (
    "ad ads advert advertisement advertising sponsored sponsor spon sponsoredpost partner",
    "partnership paidpartnership paidpartner brandpartner collab collaboration gifted prgift",
    "werbung anzeige unbezahltewerbung werbungunbezahlt",
    "publicidad publi publipost colaboracionpagada patrocinado patrocinada",
    "publicidade parceria parceriapaga",
    "publicite publicité pub sponsorise sponsorisé partenariat annonce",
    "pubblicita pubblicità adv sponsorizzato advertentie gesponsord",
    "reklame reklam reklama samarbete samarbeid sponsrad wspolpraca współpraca",
    "isbirligi işbirliği",
)
MARKER_TAGS = frozenset(tag for line in _MARKER_TAG_LINES for tag in line.split())
_FIELD_MARKERS = MARKER_TAGS | {f"#{tag}" for tag in MARKER_TAGS}  # the field may keep the '#'
_LABELS = (
    r"ad|ads|advert|advertisement|sponsored|spon|werbung|anzeige|reklame|reklam|reklama|"
    r"annonce|publicidad|publi|pub|publicidade|patrocinado|sponsoris[ée]|pubblicit[àa]|adv"
)
_MARKER_PHRASES = re.compile(
    "|".join(
        (
            r"\bpaid\s+partnership(?:\s+with)?\b",
            r"\bsponsored\s+by\b",
            r"\bin\s+(?:paid\s+)?partnership\s+with\b",
            r"\bin\s+zusammenarbeit\s+mit\b",
            r"\bbezahlte\s+partnerschaft\b",
            r"\bunbezahlte\s+werbung\b",
            r"\bcolaboraci[oó]n\s+pagada\b",
            r"\bpublicidad\s+pagada\b",
            r"\bpatrocinad[oa]\s+por\b",
            r"\bparceria\s+paga\b",
            r"\bpublicidade\s+paga\b",
            r"\bpartenariat\s+r[ée]mun[ée]r[ée]\b",
            r"\bcollaboration\s+commerciale\b",
            r"\bsponsoris[ée]e?\s+par\b",
            r"\bin\s+collaborazione\s+con\b",
            r"\bsponsorizzat[oa]\s+da\b",
            r"\bbetaald\s+partnerschap\b",
            r"\bin\s+samenwerking\s+met\b",
            r"\bi\s+samarbete\s+med\b",
            r"\bwsp[oó][lł]praca\s+reklamowa\b",
        )
    ),
    re.IGNORECASE,
)
# Every phrase above contains one of these (lower case): captions without any skip the search.
_PHRASE_GATE = re.compile(
    "partner|sponsor|zusammenarbeit|werbung|colabora|collabora|publicidad|patrocinad|parceria|"
    "partenariat|samenwerking|samarbete|reklamowa"
)
_BRACKETED = re.compile(rf"[\[\(\{{]\s*(?:{_LABELS})\s*[\]\)\}}]", re.IGNORECASE)  # [ad], (Anzeige)
# A label opening the caption or a line: "Ad: ", "Werbung | ", "*Werbung*", or in German
# captions the bare word first ("Anzeige Mein neues Parfum").
_LINE_LABEL = re.compile(
    rf"[ \t]*(?:[*_]?(?:{_LABELS})[*_]?[ \t]*[:|\-\u2013\u2014](?=\s|$)|\*(?:{_LABELS})\*)",
    re.IGNORECASE,
)
_OPENING_WORD = re.compile(r"\s*(?:werbung|anzeige)\b", re.IGNORECASE)
# Patterns that look behind a '#' or '@' start with it and look behind it and the character
# before (a two-character look-behind also holds at the start of the text): the search then
# jumps from sign to sign instead of trying the look-behind at every position.
_HASHTAG = re.compile(r"#(?<![\w#]#)(\w+)")  # a '#' not inside a word or after another '#'
# Whether a lower-cased caption has a marker hashtag: a '#' (not inside a word or after another
# '#') followed by a whole marker tag, as _HASHTAG would read it.
_MARKER_TAG_GATE = re.compile(
    r"#(?<![\w#]#)(?:"
    + "|".join(re.escape(tag) for tag in sorted(MARKER_TAGS, key=lambda t: (-len(t), t)))
    + r")(?!\w)"
)
_MENTION = re.compile(r"@(?<![\w.@]@)([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)")
_CODE = re.compile(
    r"\b(?:code|c[oó]digo|cupom|cup[oó]n|coupon|rabattcode|gutscheincode|rabatkode|codice|"
    r"kod|kode|kodu)\s*(?:promo\s*)?[:\-]?\s*[\"'\u2018\u2019\u201c\u201d]?([A-Za-z0-9][A-Za-z0-9_-]{2,19})\b",
    re.IGNORECASE,
)
_DISCOUNT = re.compile(
    r"\d{1,2}\s?%\s?(?:off|rabatt|de\s+descuento|de\s+desconto|de\s+r[ée]duction|di\s+sconto|"
    r"korting|zni[zż]ki|rabat|indirim)\b",
    re.IGNORECASE,
)
_AFFILIATE = re.compile(
    r"\b(?:amzn\.to|rstyle\.me|liketk\.it|shopmy\.us|shopltk\.com|go\.magik\.ly|howl\.me|"
    r"tidd\.ly|geni\.us|awin1\.com|shareasale\.com|click\.linksynergy\.com)/\S*"
    r"|https?://\S+[?&](?:ref|aff|affiliate|aff_id|tag|utm_source)=\S*",
    re.IGNORECASE,
)
_LINK_IN_BIO = re.compile(
    r"\blink\s+(?:is\s+)?in\s+(?:my\s+|the\s+)?bio\b|\blink\s+(?:na|en\s+(?:mi|la)|in\s+der)\s+bio\b"
    r"|\blien\s+(?:en|dans\s+ma)\s+bio\b|\blink\s+im\s+profil\b",
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"\b(?:thanks|thank\s+you|danke|gracias|obrigad[oa]|merci|grazie|dank\s+je)\s+"
    r"(?:(?:to|an|a)\s+)?@",
    re.IGNORECASE,
)
# Words brand handles tend to contain (used when no list of known brands is given).
_BRAND_WORDS = re.compile(
    r"official|shop$|store$|brand|hq$|labs?$|studio$|cosmetics|beauty$|skin$|skincare|wear$|"
    r"apparel|gear$|hotels?$|foods?$|drinks?$|coffee$|eyewear|jewel|boutique|market$|"
    r"(?:[._]|and)co$",
)


class EvidenceKind(StrEnum):
    PAID_FLAG = "paid_partnership_flag"
    MARKER = "marker"  # a disclosure hashtag or phrase
    BRAND_MENTION = "brand_mention"
    DISCOUNT_CODE = "discount_code"
    DISCOUNT = "discount"  # "15% off" and the like
    AFFILIATE_LINK = "affiliate_link"
    LINK_IN_BIO = "link_in_bio"
    THANKS_BRAND = "thanks_brand"


STRONG = frozenset({EvidenceKind.DISCOUNT_CODE, EvidenceKind.DISCOUNT, EvidenceKind.AFFILIATE_LINK})
WEAK = frozenset({EvidenceKind.LINK_IN_BIO, EvidenceKind.THANKS_BRAND})
_CODE_GATE = re.compile("cod|cód|cup|coupon|kod")
# Each pattern with the lower-case text a caption needs before it is searched.
_EVIDENCE = (
    (EvidenceKind.DISCOUNT, _DISCOUNT, ("%",)),
    (EvidenceKind.AFFILIATE_LINK, _AFFILIATE, ("/",)),
    (EvidenceKind.LINK_IN_BIO, _LINK_IN_BIO, ("link", "lien")),
    (EvidenceKind.THANKS_BRAND, _THANKS, ("@",)),
)


# Stored as JSON: no __slots__, which orjson writes slower (see signals.py).
@dataclass(frozen=True)
class Evidence:
    """One finding: what matched, and where (caption span, hashtag or mention field, flag)."""

    kind: EvidenceKind
    text: str
    where: str  # caption, hashtags, mentions or platform
    start: int | None = None  # span in the caption
    end: int | None = None


_PAID_FLAG = Evidence(EvidenceKind.PAID_FLAG, "paid partnership", "platform")


@dataclass(frozen=True)
class PostDisclosure:
    """Whether a post is sponsored, how it was disclosed, and what suggests an undisclosed ad."""

    posted_at: datetime
    is_sponsored: bool
    disclosed: bool
    disclosures: tuple[Evidence, ...]  # the paid-partnership flag and the markers found
    likely_undisclosed: bool
    evidence: tuple[Evidence, ...]  # brand mentions, codes, links: the commercial signs
    caption: str = ""

    @property
    def how(self) -> str | None:
        """'flag', 'marker' or 'flag+marker'; None when not disclosed."""
        kinds = {e.kind for e in self.disclosures}
        parts = [
            name
            for name, kind in (("flag", EvidenceKind.PAID_FLAG), ("marker", EvidenceKind.MARKER))
            if kind in kinds
        ]
        return "+".join(parts) or None

    @property
    def markers(self) -> tuple[str, ...]:
        return tuple(e.text for e in self.disclosures if e.kind is EvidenceKind.MARKER)


@dataclass(frozen=True)
class DisclosureSummary:
    """An account's sponsored posts, for compliance review."""

    version: str
    posts: int
    sponsored: int
    disclosed: int
    likely_undisclosed: int
    sponsored_share: float | None  # of posts
    undisclosed_share: float | None  # of sponsored posts
    markers: dict[str, int]  # marker text (lower case) -> posts carrying it
    examples: tuple[PostDisclosure, ...]  # the newest likely undisclosed posts
    as_of: datetime | None  # newest post looked at


def find_disclosures(post: PostObservation) -> tuple[Evidence, ...]:
    """The paid-partnership flag and every disclosure marker of the post."""
    return tuple(_disclosures(post, post.caption.lower()))


def _disclosures(post: PostObservation, lower: str) -> list[Evidence]:
    """find_disclosures with the caption already lower-cased."""
    found: list[Evidence] = []
    if post.is_paid_partnership:
        found.append(_PAID_FLAG)
    caption = post.caption
    tags_in_caption: set[str] = set()
    if "#" in lower and _MARKER_TAG_GATE.search(lower) is not None:
        for m in _HASHTAG.finditer(caption):
            tag = m.group(1).casefold()
            if tag in MARKER_TAGS:
                tags_in_caption.add(tag)
                found.append(Evidence(EvidenceKind.MARKER, m.group(0), "caption", *m.span()))
    field_tags = (
        post.hashtags
        if post.hashtags and not _FIELD_MARKERS.isdisjoint(map(str.lower, post.hashtags))
        else ()
    )
    for tag in field_tags:
        key = tag.lstrip("#").casefold()
        if key in MARKER_TAGS and key not in tags_in_caption:
            tags_in_caption.add(key)
            found.append(Evidence(EvidenceKind.MARKER, f"#{tag.lstrip('#')}", "hashtags"))
    found += _caption_labels(caption, lower)
    return found


def _caption_labels(caption: str, lower: str) -> list[Evidence]:
    """Disclosure phrases and labels in the caption text (not hashtags)."""
    matches: list[re.Match[str]] = []
    if _PHRASE_GATE.search(lower):
        matches += _MARKER_PHRASES.finditer(caption)
    if "[" in caption or "(" in caption or "{" in caption:
        matches += _BRACKETED.finditer(caption)
    start = 0
    while start >= 0:
        line = _LINE_LABEL.match(caption, start) or (
            _OPENING_WORD.match(caption) if start == 0 else None
        )
        if line is not None:
            matches.append(line)
        newline = caption.find("\n", start)
        start = newline + 1 if newline >= 0 else -1
    return [_label(m) for m in matches] if matches else []


def _label(m: re.Match[str]) -> Evidence:
    text = m.group(0).strip()
    start = m.start() + m.group(0).index(text[0])
    return Evidence(EvidenceKind.MARKER, text, "caption", start, start + len(text))


def find_commercial_evidence(
    post: PostObservation, own_handles: Collection[str] = ()
) -> tuple[Evidence, ...]:
    """Brand mentions, discount codes and discounts, affiliate links, link in bio, thanks."""
    own = {h.lstrip("@").casefold() for h in own_handles}
    return tuple(_commercial(post, post.caption.lower(), own))


def _commercial(post: PostObservation, lower: str, own: set[str]) -> list[Evidence]:
    """find_commercial_evidence with the caption lower-cased and the own handles folded."""
    caption = post.caption
    found = _mentions(post, own) if post.mentions or "@" in caption else []
    if _CODE_GATE.search(lower):
        for m in _CODE.finditer(caption):
            code = m.group(1)
            if any(ch.isdigit() for ch in code) or code.isupper():
                found.append(Evidence(EvidenceKind.DISCOUNT_CODE, m.group(0), "caption", *m.span()))
    for kind, pattern, keys in _EVIDENCE:
        for key in keys:
            if key in lower:
                found += [
                    Evidence(kind, m.group(0), "caption", *m.span())
                    for m in pattern.finditer(caption)
                ]
                break
    return found


def _mentions(post: PostObservation, own: set[str]) -> list[Evidence]:
    found: list[Evidence] = []
    seen: set[str] = set()
    for m in _MENTION.finditer(post.caption) if "@" in post.caption else ():
        handle = m.group(1).casefold()
        if handle not in own and handle not in seen:
            seen.add(handle)
            found.append(Evidence(EvidenceKind.BRAND_MENTION, m.group(0), "caption", *m.span()))
    for mention in post.mentions:
        handle = mention.lstrip("@").casefold()
        if handle not in own and handle not in seen:
            seen.add(handle)
            found.append(Evidence(EvidenceKind.BRAND_MENTION, f"@{handle}", "mentions"))
    return found


def looks_like_brand(handle: str, brand_handles: Collection[str] = ()) -> bool:
    """A known brand handle, or one with the words brand handles tend to have."""
    name = handle.lstrip("@").casefold()
    return name in brand_handles or _BRAND_WORDS.search(name) is not None


def detect_disclosure(
    post: PostObservation,
    *,
    brand_handles: Collection[str] = frozenset(),
    own_handles: Collection[str] = (),
) -> PostDisclosure:
    """Sponsorship and disclosure of one post (see docs/metrics.md, Sponsored posts).

    ``brand_handles`` are known brand handles in lower case, without '@'; ``own_handles``
    are the creator's own handles, never counted as brand mentions.
    """
    own = {h.lstrip("@").casefold() for h in own_handles}
    return _detect(post, brand_handles, own)


def _detect(post: PostObservation, brand_handles: Collection[str], own: set[str]) -> PostDisclosure:
    lower = post.caption.lower()
    disclosures = tuple(_disclosures(post, lower))
    evidence = tuple(_commercial(post, lower, own))
    disclosed = bool(disclosures)
    undisclosed = not disclosed and _likely_sponsored(evidence, brand_handles)
    return PostDisclosure(
        posted_at=post.posted_at,
        is_sponsored=disclosed or undisclosed,
        disclosed=disclosed,
        disclosures=disclosures,
        likely_undisclosed=undisclosed,
        evidence=evidence,
        caption=post.caption,
    )


def _likely_sponsored(evidence: Sequence[Evidence], brand_handles: Collection[str]) -> bool:
    """A mention with a code, discount or affiliate link; or a brand-like mention with a
    link in bio or thanks."""
    mentions = [e for e in evidence if e.kind is EvidenceKind.BRAND_MENTION]
    if not mentions:
        return False
    kinds = {e.kind for e in evidence}
    if kinds & STRONG:
        return True
    brand = any(looks_like_brand(e.text, brand_handles) for e in mentions)
    return brand and bool(kinds & WEAK)


def disclosure_summary(
    posts: Iterable[PostObservation],
    *,
    brand_handles: Collection[str] = frozenset(),
    own_handles: Collection[str] = (),
    examples: int = EXAMPLES,
) -> DisclosureSummary:
    """Sponsored and likely undisclosed posts of one account (deleted posts left out).

    The same as detect_disclosure on every post, without building the result of a post that
    is neither disclosed nor likely undisclosed (most posts): only counts and markers leave
    it. A post that mentions no one cannot be a likely undisclosed ad (_likely_sponsored
    needs a brand mention), so its commercial evidence is not looked for.
    """
    own = {h.lstrip("@").casefold() for h in own_handles}
    live = [post for post in posts if not post.deleted]
    disclosed = 0
    found: list[PostDisclosure] = []  # the likely undisclosed posts, in post order
    markers: Counter[str] = Counter()
    as_of: datetime | None = None
    for post in live:
        if as_of is None or post.posted_at > as_of:
            as_of = post.posted_at
        caption = post.caption
        lower = caption.lower()
        disclosures = _disclosures(post, lower)
        if disclosures:
            disclosed += 1
            # Each marker counts once per post.
            markers.update(
                list(
                    dict.fromkeys(
                        e.text.casefold() for e in disclosures if e.kind is EvidenceKind.MARKER
                    )
                )
            )
            continue
        if not post.mentions and "@" not in caption:
            continue  # no brand mention, so not a likely undisclosed ad (_likely_sponsored)
        evidence = _commercial(post, lower, own)
        if evidence and _likely_sponsored(evidence, brand_handles):
            found.append(
                PostDisclosure(
                    posted_at=post.posted_at,
                    is_sponsored=True,
                    disclosed=False,
                    disclosures=(),
                    likely_undisclosed=True,
                    evidence=tuple(evidence),
                    caption=caption,
                )
            )
    looked = len(live)
    undisclosed = sorted(found, key=lambda r: r.posted_at, reverse=True)
    sponsored = disclosed + len(undisclosed)
    return DisclosureSummary(
        version=DISCLOSURE_VERSION,
        posts=looked,
        sponsored=sponsored,
        disclosed=disclosed,
        likely_undisclosed=len(undisclosed),
        sponsored_share=sponsored / looked if looked else None,
        undisclosed_share=len(undisclosed) / sponsored if sponsored else None,
        markers=dict(markers.most_common()),
        examples=tuple(undisclosed[:examples]),
        as_of=as_of,
    )
