"""Evaluation rows: verdicts, exit codes and JSON that stays valid when a metric is undefined."""

from __future__ import annotations

import json
import math

from microreach.evaluation.table import Reference, Row, Target, exit_code, row_json, skipped_row


def row(ours: float | None, target: Target | None) -> Row:
    return Row("study", "70/30", "accuracy", "fraction", ours, target=target)


def test_targets_are_met_at_or_above_and_never_by_an_unknown_number() -> None:
    assert Target(">=", 0.94).met(0.94) and not Target(">=", 0.94).met(0.9399)
    assert Target(">", 0.5, "baseline").met(0.51) and not Target(">", 0.5).met(0.5)
    assert not Target(">=", 0.9).met(None) and not Target(">=", 0.9).met(math.nan)
    assert not Target(">", None, "baseline").met(0.99)


def test_exit_code_is_1_only_when_a_row_with_a_target_fails() -> None:
    passing, failing = row(0.95, Target(">=", 0.94)), row(0.90, Target(">=", 0.94))
    info, skipped = row(0.1, None), skipped_row("study", "70/30", "accuracy", "absent")
    assert [r.result.value for r in (passing, failing, info, skipped)] == [
        "pass", "fail", "info", "skipped",
    ]  # fmt: skip
    assert exit_code([passing, info, skipped]) == 0
    assert exit_code([passing, failing]) == 1
    assert exit_code([]) == 0


def test_json_rows_turn_nan_into_null() -> None:
    undefined = Row(
        "study", "70/30", "sensitivity", "fraction", math.nan, Reference("published", 0.774),
        details={"mean": math.nan, "per_class": {"food": math.nan, "pets": 0.5}},
    )  # fmt: skip
    document = row_json(undefined)
    assert json.loads(json.dumps(document, allow_nan=False)) == document
    assert document["ours"] is None and document["result"] == "info"
    assert document["reference"] == {"kind": "published", "value": 0.774}
    assert document["details"] == {"mean": None, "per_class": {"food": None, "pets": 0.5}}
