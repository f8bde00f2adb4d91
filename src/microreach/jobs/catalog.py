"""The modules that register jobs; importing them fills the registry (worker, scheduler, CLI)."""

from __future__ import annotations

import importlib

TASK_MODULES = (
    "microreach.links.tasks",
    "microreach.campaigns.tasks",
    "microreach.connectors.tasks",
    "microreach.reports.tasks",
    "microreach.privacy.tasks",
    "microreach.scores.tasks",
    "microreach.discovery.tasks",
)
_loaded = False


def load() -> None:
    """Import every module that registers jobs (once per process)."""
    global _loaded
    if _loaded:
        return
    for module in TASK_MODULES:
        importlib.import_module(module)
    _loaded = True
