"""Jobs registered only by the tests: they record what they saw in a list."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from microreach.jobs import JobContext, NoArgs, job
from microreach.observability.context import current_request_id

SEEN: list[dict[str, Any]] = []


class EchoArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: int = Field(ge=0)
    fail_times: int = 0


@job("tests.echo", EchoArgs, retries=2, backoff=(0,))
def echo(ctx: JobContext, args: EchoArgs) -> int:
    SEEN.append(
        {"value": args.value, "request_id": current_request_id(), "context_id": ctx.request_id}
    )
    failures = sum(1 for seen in SEEN if seen["value"] == args.value) - 1
    if failures < args.fail_times:
        raise RuntimeError(f"failing on purpose ({failures + 1} of {args.fail_times})")
    return args.value * 2


@job("tests.tick", NoArgs, retries=0)
def tick(ctx: JobContext, _args: NoArgs) -> None:
    SEEN.append({"tick": ctx.now().isoformat(), "request_id": current_request_id()})
