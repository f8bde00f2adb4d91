"""Locating the shared evaluation data (../shared/data), which is never copied into the project."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VARIABLE = "MICROREACH_SHARED_DATA"
_REPO = Path(__file__).resolve().parents[3]


def shared_data_dir(explicit: Path | None = None) -> Path | None:
    """The shared data folder, or None when it is absent so callers can skip cleanly.

    An explicit path wins, then the MICROREACH_SHARED_DATA variable; either one, when given,
    is the only place looked at. Otherwise ../shared/data beside the source checkout, then
    ../shared/data from the working directory.
    """
    if explicit is not None:
        return explicit if explicit.is_dir() else None
    configured = os.environ.get(ENV_VARIABLE, "").strip()
    if configured:
        path = Path(configured).expanduser()
        return path if path.is_dir() else None
    for candidate in (_REPO.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return None


def dataset_dir(name: str, explicit: Path | None = None) -> Path | None:
    """One dataset folder inside the shared data, or None when it is absent."""
    root = shared_data_dir(explicit)
    if root is None or not (root / name).is_dir():
        return None
    return root / name
