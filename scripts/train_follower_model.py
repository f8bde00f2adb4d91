"""Train the shipped fake-follower forest on SRF Data and write it as JSON, printing its metrics.

Reads ../shared/data/srf-instagram-fake-followers (CC BY-SA 4.0, "2017-10-instagram-influencers
by SRF Data"; never copied into the project), fits the forest with a fixed seed, picks the
threshold from out-of-bag probabilities, measures the same recipe on 70/30 splits, and writes
src/microreach/science/models/follower_model.json. With --check it writes nothing and exits 1
when a fresh training differs from the shipped file (apart from the training date).
Exits cleanly, saying so, when the data folder is absent.

    python scripts/train_follower_model.py [--data-dir ../shared/data] [--check]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from microreach.evaluation.follower_training import (
    FOREST_PARAMS,
    MIN_SPECIFICITY,
    choose_threshold,
    fit_forest,
    observed_features,
    scikit_learn_version,
    write_model,
)
from microreach.evaluation.followers import (
    FIXED_SEED,
    SRF,
    SRF_FILE,
    LabelledSet,
    Metrics,
    SplitStudy,
    binary_metrics,
    evaluate_srf,
    load_srf,
)
from microreach.science.followers import Forest

MODEL_PATH = (
    Path(__file__).resolve().parents[1] / "src/microreach/science/models/follower_model.json"
)
VERSION = "1.0.0"
SEED = FIXED_SEED
SOURCE = {
    "dataset": "2017-10-instagram-influencers by SRF Data",
    "url": "https://github.com/srfdata/2017-10-instagram-influencers",
    "file": f"analysis/input/{SRF_FILE}",
    "commit": "926886b4ede0f4c4a0e7eda96cffb94b2e461c03",
    "licence": "CC BY-SA 4.0",
}


def metric_dict(metrics: Metrics) -> dict[str, Any]:
    return {key: _rounded(value) for key, value in dataclasses.asdict(metrics).items()}


def _rounded(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


def study_dict(study: SplitStudy) -> dict[str, Any]:
    spread = {
        name: {
            key: round(value, 4) for key, value in dataclasses.asdict(study.spread(name)).items()
        }
        for name in ("accuracy", "macro_f1", "specificity", "sensitivity")
    }
    return {
        "protocol": study.protocol,
        "seed": study.fixed_seed,
        "fixed_seed": metric_dict(study.fixed),
        "splits": len(study.runs),
        "over_splits": spread,
    }


def train(srf: LabelledSet, holdout: SplitStudy) -> tuple[Forest, Metrics]:
    """The shipped forest: all of SRF Data, threshold from its out-of-bag probabilities."""
    features = observed_features(srf.rows)
    fitted = fit_forest(srf.rows, srf.labels, features, SEED)
    threshold = choose_threshold(srf.labels, fitted.out_of_bag, MIN_SPECIFICITY)
    out_of_bag = binary_metrics(srf.labels, fitted.out_of_bag, threshold)
    metadata = {
        "name": "microreach fake-follower forest",
        "version": VERSION,
        "licence": "CC BY-SA 4.0",
        "attribution": "Trained on 2017-10-instagram-influencers by SRF Data "
        "(https://github.com/srfdata/2017-10-instagram-influencers), CC BY-SA 4.0; "
        "this model is likewise licensed CC BY-SA 4.0.",
        "training": {
            "data": SOURCE,
            "rows": int(srf.labels.size),
            "fake": int(srf.labels.sum()),
            "seed": SEED,
            "estimator": "sklearn.ensemble.RandomForestClassifier",
            "params": dict(FOREST_PARAMS),
            "scikit_learn": scikit_learn_version(),
            "threshold_rule": f"best out-of-bag accuracy with specificity >= {MIN_SPECIFICITY}",
            "metrics": {"out_of_bag": metric_dict(out_of_bag), "holdout": study_dict(holdout)},
            "trained_on": datetime.now(UTC).date().isoformat(),
        },
    }
    model = dataclasses.replace(fitted.model, threshold=threshold, metadata=metadata)
    return model, out_of_bag


def same_model(fresh: Forest, path: Path) -> bool:
    """Whether the file holds the same forest, threshold and metrics (the date may differ)."""
    shipped = json.loads(path.read_text(encoding="utf-8"))
    current = json.loads(json.dumps(fresh.to_dict()))
    for document in (shipped, current):
        document.get("training", {}).pop("trained_on", None)
    return bool(shipped == current)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="the shared data folder")
    parser.add_argument("--output", type=Path, default=MODEL_PATH)
    parser.add_argument("--check", action="store_true", help="compare with --output, write nothing")
    args = parser.parse_args()
    srf, holdout = load_srf(args.data_dir), evaluate_srf(args.data_dir)
    if srf is None or holdout is None:
        print(f"skipped: {SRF} not found (see microreach.evaluation.data)")
        return 0
    model, out_of_bag = train(srf, holdout)
    print(f"features: {', '.join(model.features)}")
    print(f"out-of-bag on all {srf.labels.size} accounts: {out_of_bag.summary()}")
    print("\n".join(holdout.summary()))
    if args.check:
        same = same_model(model, args.output)
        print(f"{args.output}: {'matches' if same else 'DIFFERS from'} a fresh training")
        return 0 if same else 1
    write_model(model, args.output)
    print(f"wrote {args.output} ({args.output.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
