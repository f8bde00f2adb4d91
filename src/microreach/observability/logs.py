"""Log setup: JSON lines in production, readable text in development, request ids in both.

Every record gets ``request_id`` (from `context.current_request_id`) and keeps the ``extra``
fields it was logged with, so `logger.info("click batch", extra={"clicks": 12})` becomes
``{"time": ..., "level": "INFO", "logger": ..., "message": "click batch",
"request_id": ..., "clicks": 12}``.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, date, datetime, time
from typing import Any, TextIO

import orjson
from pydantic import ValidationError

from microreach.config import Settings
from microreach.observability.context import current_request_id

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
    "color_message",  # uvicorn's message with terminal colours
}
_HANDLER_NAME = "microreach"
OWN_LOGGERS = ("microreach", "uvicorn")


class RequestIdFilter(logging.Filter):
    """Stamps the current request id on each record (in the thread that logs it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and k[0] != "_"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, then extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in extra_fields(record).items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        try:
            return orjson.dumps(entry, default=str).decode()
        except orjson.JSONEncodeError:  # integers beyond 64 bits, say: slower but never lost
            return json.dumps(entry, default=_plain, ensure_ascii=False)


def _plain(value: object) -> str:
    return value.isoformat() if isinstance(value, date | time) else str(value)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger [request id] message key=value ...`` for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        text = super().format(record)
        extras = extra_fields(record)
        if not extras:
            return text
        pairs = " ".join(f"{key}={value}" for key, value in extras.items())
        head, newline, rest = text.partition("\n")
        return f"{head} {pairs}{newline}{rest}"


def configure_logging(
    *, log_format: str = "text", level: str = "info", stream: TextIO | None = None
) -> logging.Handler:
    """Send every logger's records to ``stream`` (stderr) in ``log_format`` ('json' or
    'text') at ``level``; calling it again replaces the handler it installed before."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = logging.getLevelNamesMapping()[level.upper()]
    # Libraries (alembic, httpx, ...) stay at warning unless debugging: their info lines are
    # chatter in a command's output and in production logs.
    root.setLevel(numeric if numeric <= logging.DEBUG else max(numeric, logging.WARNING))
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(numeric)
    # Uvicorn's loggers reach ours through the root; its own access log is replaced by ours.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    return handler


def setup_logging(settings: Settings | None = None) -> logging.Handler:
    """`configure_logging` from the settings (MICROREACH_LOG_FORMAT, MICROREACH_LOG_LEVEL,
    MICROREACH_ENV). Without settings they are read from the environment without the
    checks and side effects of `load_settings`; bad values fall back to text at info, and
    the command reports them when it loads its settings."""
    if settings is None:
        try:
            settings = Settings()
        except ValidationError:
            return configure_logging()
    return configure_logging(log_format=settings.resolved_log_format, level=settings.log_level)
