"""The budget planner: never over budget, better than biggest-first, overlap discounted."""

from __future__ import annotations

import random

from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.discovery import planner
from microreach.discovery.indexer import IndexResult
from microreach.discovery.planner import Option, choose, greedy_by_followers, total
from microreach.discovery.schemas import Goal, PlanRequest, SearchParams


def _options(seed: int, count: int) -> list[Option]:
    rng = random.Random(seed)
    out = []
    for index in range(count):
        followers = int(10 ** rng.uniform(3, 6.3))
        rate = rng.uniform(0.005, 0.08) * (followers / 1000) ** -0.15
        value = followers * rate
        out.append(
            Option(
                key=index,
                group=(rng.choice(["food", "travel", "tech"]), rng.choice(["US", "GB"])),
                cost=planner.estimated_cost(
                    followers, "micro" if followers < 1e5 else "macro", "instagram"
                ),
                value=value,
                low=value * 0.7,
                high=value * 1.4,
                followers=followers,
            )
        )
    return out


def test_never_exceeds_the_budget() -> None:
    for seed in range(40):
        options = _options(seed, 200)
        budget = random.Random(seed).uniform(60, 50_000)
        picks = choose(options, budget, 50)
        assert sum(o.cost for o, _ in picks) <= budget
        assert len({o.key for o, _ in picks}) == len(picks) <= 50


def test_overlapping_audiences_count_less() -> None:
    same = [Option(i, ("food", "US"), 100.0, 1000.0, 800.0, 1200.0) for i in range(3)]
    picks = choose(same, 300.0, 10)
    assert [round(f, 3) for _, f in picks] == [1.0, 0.7, 0.49]
    assert total(picks) == 1000 * (1 + 0.7 + 0.49)


def test_beats_greedy_by_followers_on_random_scenarios() -> None:
    for seed in range(20):
        options = _options(seed, 300)
        ours = total(choose(options, 20_000, 50))
        naive = total(greedy_by_followers(options, 20_000, 50))
        assert ours > naive


def test_seeded_population_plan_beats_greedy_and_all_macro_stays_in_budget(
    session: Session, settings: Settings, indexed: IndexResult
) -> None:
    budget = 5000.0
    request = PlanRequest(budget=budget, goal=Goal.ENGAGEMENTS, filters=SearchParams())
    result = planner.plan(session, settings, request)
    assert 0 < result.plan.cost <= budget and result.all_macro.cost <= budget
    rows = planner._candidates(session, settings, request, tiers=None)
    options = [o for r in rows if (o := planner.option_of(r, Goal.ENGAGEMENTS))]
    naive = total(greedy_by_followers(options, budget, request.max_creators))
    assert result.plan.expected > naive
    assert result.plan.expected >= result.all_macro.expected
    for goal in Goal:
        other = planner.plan(session, settings, request.model_copy(update={"goal": goal}))
        assert other.plan.cost <= budget
        assert other.plan.expected_low <= other.plan.expected <= other.plan.expected_high
