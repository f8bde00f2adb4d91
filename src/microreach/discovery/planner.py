"""The budget planner: the set of creators that maximises the expected goal within a budget,
with diminishing returns for overlapping audiences, compared with the best all-macro plan.

Pure functions over ``Option`` values (``choose``) and a service entry point (``plan``) that
reads the candidates from the index. Every figure and assumption is in docs/discovery.md,
"Budget planner"."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.discovery import repository, service
from microreach.discovery.schemas import Goal, PlanOut, PlanPick, PlanRequest, PlanSummary
from microreach.discovery.search import fts
from microreach.discovery.search.tokens import parse_query
from microreach.kit.clock import utcnow

# Estimated fee per sponsored post in USD per 1,000 followers, by tier (brief scheme), for
# Instagram; other platforms scale it (PLATFORM_FACTOR). A rule-of-thumb reading of the public
# rate guides (about $10 per 1,000 followers on Instagram, smaller accounts charging more per
# follower, TikTok below and YouTube above Instagram); marked estimated on every pick.
RATE_PER_THOUSAND = {"nano": 15.0, "micro": 10.0, "mid": 8.0, "macro": 7.0, "mega": 6.0}
PLATFORM_FACTOR = {"instagram": 1.0, "tiktok": 0.6, "youtube": 2.0}
MINIMUM_FEE = 50.0
# Reach per post as a share of followers, and clicks per engagement (assumptions).
REACH_SHARE = {"instagram": 0.2, "tiktok": 0.35, "youtube": 0.25}
CLICKS_PER_ENGAGEMENT = 0.1
# Each further creator with the same primary niche and country keeps this share of the value
# of the previous one: their audiences overlap.
OVERLAP_DECAY = 0.7
MACRO_TIERS = ("macro",)

ASSUMPTIONS = (
    "Cost per creator: an estimate from tier and platform (USD per 1,000 followers: nano 15, "
    "micro 10, mid 8, macro 7, mega 6 on Instagram; TikTok x0.6, YouTube x2; at least $50); "
    "rate cards are not stored yet.",
    "Engagements per post = followers x typical engagement rate; the range uses the rate's "
    "90% interval (er_low to er_high).",
    "Reach per post = followers x platform reach share (Instagram 20%, TikTok 35%, YouTube 25%),"
    " scaled by the same interval; clicks = engagements x 0.1.",
    "Overlap: every further creator with the same primary niche and country counts 0.7 times "
    "the previous one.",
)


@dataclass(frozen=True, slots=True)
class Option:
    """A creator the planner may pick: cost and the expected goal (point, low, high)."""

    key: Any
    group: tuple[str | None, str | None]  # (primary niche, country): overlap group
    cost: float
    value: float
    low: float
    high: float
    followers: int = 0


def estimated_cost(followers: int, tier: str, platform: str) -> float:
    rate = RATE_PER_THOUSAND.get(tier, 10.0) * PLATFORM_FACTOR.get(platform, 1.0)
    return round(max(MINIMUM_FEE, followers / 1000 * rate), 2)


def expected(goal: Goal, followers: int, platform: str, rate: float) -> float:
    engagements = followers * rate
    if goal is Goal.ENGAGEMENTS:
        return engagements
    if goal is Goal.CLICKS:
        return engagements * CLICKS_PER_ENGAGEMENT
    return float(followers * REACH_SHARE.get(platform, 0.2))


def _discount(count: int) -> float:
    return float(OVERLAP_DECAY**count)


# Greedy runs rank options by marginal value / cost ** alpha: alpha 1 is value per dollar (best
# when the budget binds), alpha 0 is value alone (best when the creator cap binds).
ALPHAS = (1.0, 0.75, 0.5, 0.25, 0.0)


def choose(options: Sequence[Option], budget: float, max_picks: int) -> list[tuple[Option, float]]:
    """Picks (option, overlap factor) maximising the summed discounted value within ``budget``
    and ``max_picks``; never spends more than ``budget``.

    A knapsack with a cardinality cap and diminishing returns has no exact fast solution, so
    the planner runs one greedy pass per ALPHAS value (marginal value: the value times
    OVERLAP_DECAY to the number of picks already in its group) and keeps the best, then
    compares it with the best single affordable option (the classic guard that keeps greedy
    knapsack within a factor two of the optimum)."""
    affordable = [o for o in options if o.cost <= budget and o.value > 0]
    best: list[tuple[Option, float]] = []
    for alpha in ALPHAS:
        picks = _greedy(affordable, budget, max_picks, alpha)
        if total(picks) > total(best):
            best = picks
    single = max(affordable, key=lambda o: o.value, default=None)
    if single is not None and single.value > total(best):
        return [(single, 1.0)]
    return best


def _greedy(
    options: Sequence[Option], budget: float, max_picks: int, alpha: float
) -> list[tuple[Option, float]]:
    picked: list[tuple[Option, float]] = []
    groups: Counter[tuple[str | None, str | None]] = Counter()
    spent = 0.0
    remaining = list(options)
    while remaining and len(picked) < max_picks:
        best = max(
            remaining,
            key=lambda o: (
                o.value * _discount(groups[o.group]) / o.cost**alpha,
                -o.cost,
                str(o.key),
            ),
        )
        remaining.remove(best)
        picked.append((best, _discount(groups[best.group])))
        groups[best.group] += 1
        spent += best.cost
        remaining = [o for o in remaining if spent + o.cost <= budget]
    return picked


def greedy_by_followers(
    options: Sequence[Option], budget: float, max_picks: int
) -> list[tuple[Option, float]]:
    """The naive plan the planner must beat: biggest accounts first while the budget lasts."""
    picked: list[tuple[Option, float]] = []
    groups: Counter[tuple[str | None, str | None]] = Counter()
    spent = 0.0
    for option in sorted(options, key=lambda o: (-o.followers, str(o.key))):
        if len(picked) >= max_picks:
            break
        if spent + option.cost <= budget:
            picked.append((option, _discount(groups[option.group])))
            groups[option.group] += 1
            spent += option.cost
    return picked


def total(picks: Sequence[tuple[Option, float]]) -> float:
    return sum(option.value * factor for option, factor in picks)


def plan(session: Session, settings: Settings, request: PlanRequest) -> PlanOut:
    """The best plan for the budget and goal among the accounts matching the filters, and the
    best all-macro plan for the same budget."""
    rows = _candidates(session, settings, request, tiers=None)
    macro_rows = _candidates(session, settings, request, tiers=MACRO_TIERS)
    options = {o.key: (o, row) for row in rows if (o := option_of(row, request.goal))}
    macro = {o.key: (o, row) for row in macro_rows if (o := option_of(row, request.goal))}
    best = choose([o for o, _ in options.values()], request.budget, request.max_creators)
    macro_best = choose([o for o, _ in macro.values()], request.budget, request.max_creators)
    return PlanOut(
        goal=request.goal,
        budget=request.budget,
        plan=summary(best, {k: r for k, (_, r) in options.items()}),
        all_macro=summary(macro_best, {k: r for k, (_, r) in macro.items()}),
        assumptions=list(ASSUMPTIONS),
    )


def _candidates(
    session: Session, settings: Settings, request: PlanRequest, tiers: Sequence[str] | None
) -> list[Any]:
    params = request.filters
    if tiers is not None:
        params = params.model_copy(update={"tier": list(tiers)})
    clauses = service.filter_clauses(params, settings.tier_scheme, utcnow())
    connection = session.connection()
    terms = parse_query(params.q) if params.q else ()
    matches = fts.matches(connection.dialect.name, terms, False) if terms else None
    return repository.candidates(connection, clauses, matches, request.candidates, False)


def option_of(row: Any, goal: Goal) -> Option | None:
    """The row as a planner option; None when it has no engagement interval to plan on."""
    if row.er_typical is None or row.er_low is None or row.er_high is None:
        return None
    point = expected(goal, row.followers, row.platform, row.er_typical)
    if goal is Goal.REACH:
        low = point * row.er_low / row.er_typical if row.er_typical else point
        high = point * row.er_high / row.er_typical if row.er_typical else point
    else:
        low = expected(goal, row.followers, row.platform, row.er_low)
        high = expected(goal, row.followers, row.platform, row.er_high)
    return Option(
        key=row.doc_id,
        group=(row.primary_niche, row.country),
        cost=estimated_cost(row.followers, row.tier, row.platform),
        value=point,
        low=low,
        high=high,
        followers=row.followers,
    )


def summary(picks: Sequence[tuple[Option, float]], rows: dict[Any, Any]) -> PlanSummary:
    out = [
        PlanPick(
            account_id=service.item_out(rows[o.key]).account_id,
            handle=rows[o.key].handle,
            platform=rows[o.key].platform,
            tier=rows[o.key].tier,
            followers=o.followers,
            primary_niche=o.group[0],
            country=o.group[1],
            cost=o.cost,
            cost_estimated=True,
            expected=round(o.value * f, 1),
            expected_low=round(o.low * f, 1),
            expected_high=round(o.high * f, 1),
            overlap_discount=round(1 - f, 4),
        )
        for o, f in picks
    ]
    return PlanSummary(
        picks=out,
        cost=round(sum(p.cost for p in out), 2),
        expected=round(sum(o.value * f for o, f in picks), 1),
        expected_low=round(sum(o.low * f for o, f in picks), 1),
        expected_high=round(sum(o.high * f for o, f in picks), 1),
    )
