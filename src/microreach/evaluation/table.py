"""Evaluation results as rows beside published numbers: verdicts, a rich table and JSON."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:  # the evaluations import scikit-learn; the rows only read their results
    from microreach.evaluation.followers import LabelledEvaluation, Metrics, Spread
    from microreach.evaluation.niches import NicheEvalResult
    from microreach.evaluation.tiers import TierEvalResult

# fraction: a share in [0, 1] shown as a percentage; rate: engagement per follower (a share,
# shown with two decimals); change: a difference in per cent; score: a number in [0, 1].
Unit = Literal["fraction", "rate", "change", "score"]
FOLLOWER_METRICS: Mapping[str, tuple[str, Unit]] = {
    "macro_f1": ("macro-F1", "fraction"),
    "accuracy": ("accuracy", "fraction"),
    "specificity": ("specificity", "fraction"),
    "sensitivity": ("sensitivity", "fraction"),
    "roc_auc": ("ROC AUC", "score"),
}
UPLIFT_METRIC = "micro (1K-100K) vs above 150K: difference"
COLUMNS = ("evaluation", "protocol", "metric", "ours", "published / baseline", "target", "result")
_STYLES = {"pass": "bold green", "fail": "bold red", "info": "cyan", "skipped": "yellow"}


class Result(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INFO = "info"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Target:
    """What ours must reach: ``ours >= value`` or ``ours > value``; a name replaces the number."""

    op: Literal[">=", ">"]
    value: float | None  # None: not known, as a baseline that was not run
    name: str = ""

    def met(self, ours: float | None) -> bool:
        if ours is None or self.value is None or math.isnan(ours):
            return False
        return ours >= self.value if self.op == ">=" else ours > self.value


@dataclass(frozen=True, slots=True)
class Reference:
    """The number ours is compared with: published, a baseline run alongside, or a claim."""

    kind: Literal["published", "baseline", "claim"]
    value: float


@dataclass(frozen=True, slots=True)
class Row:
    evaluation: str
    protocol: str
    metric: str
    unit: Unit
    ours: float | None
    reference: Reference | None = None
    target: Target | None = None
    context: str = ""  # shown under ours: spread over splits, IQR, interval
    note: str = ""  # why a row was skipped, or what an informational row concludes
    details: Mapping[str, Any] = field(default_factory=dict)
    skipped: bool = False

    @property
    def result(self) -> Result:
        if self.skipped:
            return Result.SKIPPED
        if self.target is None:
            return Result.INFO
        return Result.PASS if self.target.met(self.ours) else Result.FAIL


def skipped_row(
    evaluation: str,
    protocol: str,
    metric: str,
    reason: str,
    *,
    unit: Unit = "fraction",
    reference: Reference | None = None,
    target: Target | None = None,
) -> Row:
    return Row(
        evaluation, protocol, metric, unit, None, reference, target, note=reason, skipped=True
    )


def exit_code(rows: Sequence[Row]) -> int:
    """0 when every row with a target passes (skipped rows do not fail), 1 otherwise."""
    return 1 if any(row.result is Result.FAIL for row in rows) else 0


def split_rows(
    evaluation: str,
    protocol: str,
    run: Metrics,
    spreads: Mapping[str, Spread],
    splits: int,
    published: Mapping[str, float],
    targets: Mapping[str, float],
) -> list[Row]:
    """One row per metric in ``spreads`` of one 70/30 run, with the spread over all splits."""
    rows = []
    for name, spread in spreads.items():
        label, unit = FOLLOWER_METRICS[name]
        context = ""
        details = {**_run_details(run), "splits": splits}
        if splits > 1:
            context = (
                f"{splits} splits: mean {_fmt(spread.mean, unit)}, sd {_fmt(spread.std, unit)}"
            )
            details |= {
                "mean": spread.mean,
                "sd": spread.std,
                "min": spread.low,
                "max": spread.high,
            }
        rows.append(
            Row(
                evaluation,
                protocol,
                label,
                unit,
                _metric(run, name),
                Reference("published", published[name]) if name in published else None,
                Target(">=", targets[name]) if name in targets else None,
                context=context,
                details=details,
            )
        )
    return rows


def labelled_rows(evaluation: str, protocol: str, result: LabelledEvaluation) -> list[Row]:
    """The shipped model applied as is: every metric is informational."""
    details = {**_run_details(result.metrics), "rejected": len(result.rejected)}
    return [
        Row(evaluation, protocol, label, unit, _metric(result.metrics, name), details=details)
        for name, (label, unit) in FOLLOWER_METRICS.items()
        if name != "macro_f1"
    ]


def niche_rows(evaluation: str, protocol: str, result: NicheEvalResult) -> list[Row]:
    """Ours against the TF-IDF baseline run on the same split; the shipped model for context."""
    baseline, ours, shipped = (result.method(name) for name in ("baseline", "ours", "shipped"))
    metric = f"influencer macro-F1, {len(result.averaged)} categories"
    reference = Reference("baseline", baseline.macro_f1)
    details = {
        "train": result.train,
        "test": result.test,
        "influencers": result.influencers,
        "posts": result.posts,
        "seed": result.seed,
        "categories": list(result.averaged),
    }
    per_class = {
        method.name: {score.label: score.f1 for score in method.per_class}
        for method in result.methods
    }
    return [
        Row(
            evaluation,
            protocol,
            metric,
            "fraction",
            ours.macro_f1,
            reference,
            Target(">", baseline.macro_f1, "baseline"),
            context=ours.description,
            details={**details, "per_class_f1": per_class},
        ),
        Row(
            evaluation,
            protocol,
            f"{metric}, shipped model",
            "fraction",
            shipped.macro_f1,
            reference,
            context=shipped.description,
            details=details,
        ),
    ]


def tier_rows(evaluation: str, protocol: str, result: TierEvalResult) -> list[Row]:
    """Median engagement per tier beside the published one, and the micro uplift claim."""
    rows = [
        Row(
            evaluation,
            protocol,
            f"median engagement, {tier.tier}",
            "rate",
            tier.median,
            Reference("published", tier.published) if tier.published is not None else None,
            context=""
            if tier.q1 is None or tier.q3 is None
            else f"IQR {_fmt(tier.q1, 'rate')}-{_fmt(tier.q3, 'rate')}, n {tier.influencers:,}",
            details={"influencers": tier.influencers, "q1": tier.q1, "q3": tier.q3},
        )
        for tier in result.tiers
    ]
    uplift = result.uplift
    if uplift is None:
        rows.append(
            skipped_row(
                evaluation,
                protocol,
                UPLIFT_METRIC,
                "no influencers in one of the two groups",
            )
        )
        return rows
    verdict = "holds" if uplift.claim_holds else "does not hold"
    rows += [
        Row(
            evaluation,
            protocol,
            "median engagement, micro 1K-100K",
            "rate",
            uplift.micro_median,
            details={"influencers": uplift.micro_influencers},
            context=f"n {uplift.micro_influencers:,}",
        ),
        Row(
            evaluation,
            protocol,
            "median engagement, above 150K",
            "rate",
            uplift.large_median,
            details={"influencers": uplift.large_influencers},
            context=f"n {uplift.large_influencers:,}",
        ),
        Row(
            evaluation,
            protocol,
            UPLIFT_METRIC,
            "change",
            uplift.uplift_percent,
            Reference("claim", uplift.claimed_percent),
            context=f"90% bootstrap interval {uplift.low_percent:+.0f}% to "
            f"{uplift.high_percent:+.0f}%; ratio {uplift.micro_median / uplift.large_median:.2f}",
            note=f"the claim of {uplift.claimed_percent:+.0f}% {verdict}",
            details={
                "low": uplift.low_percent,
                "high": uplift.high_percent,
                "ratio": uplift.micro_median / uplift.large_median,
                "claim_holds": uplift.claim_holds,
            },
        ),
    ]
    return rows


def niche_protocol(seed: int) -> str:
    return (
        f"70/30 split by influencer, stratified, seed {seed}; captions joined; 'other' kept "
        "but not averaged"
    )


def tier_protocol(seed: int) -> str:
    return (
        "per influencer: median over posts of (likes + comments) / followers; per tier: median "
        f"over influencers; published: Kim 2020 full sample; bootstrap seed {seed}"
    )


def _run_details(run: Metrics) -> dict[str, Any]:
    return {"rows": run.rows, "fake": run.fake, "threshold": run.threshold}


def _metric(run: Metrics, name: str) -> float | None:
    value = getattr(run, name)
    return None if value is None else float(value)


def _fmt(value: float | None, unit: Unit) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    if unit == "fraction":
        return f"{100 * value:.1f}%"
    if unit == "rate":
        return f"{100 * value:.2f}%"
    if unit == "change":
        return f"{value:+.0f}%"
    return f"{value:.3f}"


def _result_text(row: Row) -> Text:
    result = row.result
    text = Text(result.value, style=_STYLES[result.value])
    if row.note:
        text.append(f": {row.note}")
    return text


def _cells(row: Row) -> list[Text]:
    ours = _fmt(row.ours, row.unit) if not row.skipped else "-"
    if row.context:
        ours += f"\n{row.context}"
    reference = "-"
    if row.reference is not None:
        reference = f"{_fmt(row.reference.value, row.unit)} {row.reference.kind}"
    target = "-"
    if row.target is not None:
        target = f"{row.target.op} {row.target.name or _fmt(row.target.value, row.unit)}"
    return [Text(row.metric), Text(ours), Text(reference), Text(target), _result_text(row)]


def render_table(rows: Sequence[Row], console: Console, title: str) -> None:
    """Rows grouped by evaluation (name and protocol printed once), one section each."""
    table = Table(title=title, title_justify="left", show_lines=False)
    for column in COLUMNS:
        table.add_column(column, overflow="fold")
    for index, row in enumerate(rows):
        first = index == 0 or rows[index - 1].evaluation != row.evaluation
        last = index == len(rows) - 1 or rows[index + 1].evaluation != row.evaluation
        head = [Text(row.evaluation), Text(row.protocol)] if first else [Text(""), Text("")]
        table.add_row(*head, *_cells(row), end_section=last)
    table.caption = verdict_line(rows)
    table.caption_justify = "left"
    console.print(table)


def verdict_line(rows: Sequence[Row]) -> str:
    counts = {result: sum(row.result is result for row in rows) for result in Result}
    return (
        f"targets: {counts[Result.PASS]} pass, {counts[Result.FAIL]} fail; "
        f"{counts[Result.INFO]} informational, {counts[Result.SKIPPED]} skipped; "
        f"exit code {exit_code(rows)}"
    )


def row_json(row: Row) -> dict[str, Any]:
    """A row with numbers as numbers; NaN (a class absent) becomes null."""
    reference = row.reference
    target = row.target
    return {
        "evaluation": row.evaluation,
        "protocol": row.protocol,
        "metric": row.metric,
        "unit": row.unit,
        "ours": _number(row.ours),
        "reference": None
        if reference is None
        else {"kind": reference.kind, "value": _number(reference.value)},
        "target": None
        if target is None
        else {"op": target.op, "value": _number(target.value), "name": target.name or None},
        "result": row.result.value,
        "note": row.note or None,
        "context": row.context or None,
        "details": {key: _plain(value) for key, value in row.details.items()},
    }


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    return value
