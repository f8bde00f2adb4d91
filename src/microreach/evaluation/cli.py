"""The `microreach eval` and `microreach followers` commands: our numbers beside published ones.

scikit-learn is imported only when an evaluation runs: every `microreach` command loads this.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from microreach.evaluation import tiers
from microreach.evaluation.data import ENV_VARIABLE, shared_data_dir
from microreach.evaluation.follower_csv import (
    COLUMN_ALIASES,
    REQUIRED,
    ScoreReport,
    read_rows,
    score_csv,
)
from microreach.evaluation.table import (
    Row,
    exit_code,
    labelled_rows,
    niche_protocol,
    niche_rows,
    render_table,
    row_json,
    tier_protocol,
    tier_rows,
)
from microreach.kit.errors import InvalidError, MicroreachError, NotFoundError

BAD_INPUT = 2
EXIT_CODES = (
    "Exit code: 0 when every row with a target passes (informational and skipped rows never "
    "fail), 1 when any row with a target fails, 2 for a bad input file or option."
)
T = TypeVar("T")

eval_app = typer.Typer(
    help="Measure microreach on public research data, side by side with the published numbers "
    f"(or a baseline run in the same process).\n\n{EXIT_CODES}",
    add_completion=False,
)
followers_app = typer.Typer(help="Follower authenticity: score accounts.", no_args_is_help=True)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document instead of the table.")
]
SeedOption = Annotated[
    int | None,
    typer.Option(
        help="Seed of the splits and the bootstrap (default: each evaluation's own, shown in "
        "its protocol).",
        show_default=False,
    ),
]
PostsOption = Annotated[
    Path,
    typer.Option("--posts", help="CSV with one row per post.", show_default=False, dir_okay=False),
]


@dataclass(frozen=True, slots=True)
class _Shared:
    """Options given before a subcommand (`microreach eval --json niche ...`)."""

    json_output: bool
    seed: int | None


@eval_app.callback(invoke_without_command=True)
def run_all(
    ctx: typer.Context,
    json_output: JsonOption = False,
    seed: SeedOption = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help=f"The shared data folder (default: {ENV_VARIABLE}, else ../shared/data).",
            exists=True,
            file_okay=False,
            resolve_path=True,
            show_default=False,
        ),
    ] = None,
    fast: Annotated[
        bool,
        typer.Option("--fast", help="Skip the niche evaluation (about a minute); one split only."),
    ] = False,
) -> None:
    """Run every evaluation whose data is present; an absent dataset is a skipped row."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = _Shared(json_output, seed)
        return
    from microreach.evaluation.suite import Suite

    suite = Suite(shared_data_dir(data), seed, fast)
    title = f"microreach eval (shared data: {suite.root or 'not found'})"
    _emit(suite.rows(_timed), json_output, title, suite.meta())


def _timed(label: str, work: Callable[[], T]) -> T:
    started = time.perf_counter()
    typer.echo(f"{label}...", err=True)
    result = work()
    typer.echo(f"{label}: {time.perf_counter() - started:.1f} s", err=True)
    return result


def _emit(rows: Sequence[Row], json_output: bool, title: str, meta: Mapping[str, Any]) -> None:
    """Print the rows as a table or one JSON document, then exit with the verdict's code."""
    code = exit_code(rows)
    if json_output:
        document = {
            **meta,
            "rows": [row_json(row) for row in rows],
            "passed": code == 0,
            "exit_code": code,
        }
        typer.echo(json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False))
    else:
        # A pipe or a test has no width; a wide table wraps less than rich's default of 80.
        console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
        render_table(rows, console, title)
    if code:
        raise typer.Exit(code)


def _options(ctx: typer.Context, json_output: bool, seed: int | None) -> tuple[bool, int | None]:
    shared = ctx.obj if isinstance(ctx.obj, _Shared) else _Shared(False, None)
    return json_output or shared.json_output, seed if seed is not None else shared.seed


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn a bad input file into one line naming the file and the problem, and exit code 2."""
    try:
        yield
    except MicroreachError as exc:
        message = exc.message if path.name in exc.message else f"{path}: {exc.message}"
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(BAD_INPUT) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        typer.echo(f"error: {getattr(exc, 'filename', None) or path}: {reason}", err=True)
        raise typer.Exit(BAD_INPUT) from None


def check_table(path: Path) -> None:
    """Refuse a missing file, an empty one, or one with a header and no rows."""
    if not path.is_file():
        raise NotFoundError("no such file")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = (line for line in handle if line.strip())
        if next(lines, None) is None:
            raise InvalidError("the file is empty: expected a header row")
        if next(lines, None) is None:
            raise InvalidError("the file has a header but no rows")


@eval_app.command("followers")
def eval_followers(
    ctx: typer.Context,
    file: Annotated[Path, typer.Option("--file", help="Labelled account CSV.", show_default=False)],
    label: Annotated[
        str,
        typer.Option(
            "--label",
            help="Column with the truth: 1/0, true/false or fake/real (fake is positive).",
            show_default=False,
        ),
    ],
    json_output: JsonOption = False,
) -> None:
    """The shipped follower model, as is, on any labelled account CSV (informational rows)."""
    json_output, _ = _options(ctx, json_output, None)
    with _reading(file):
        check_table(file)
        from microreach.evaluation.followers import evaluate_labelled_csv

        result = evaluate_labelled_csv(file, label)
    if result.rejected:
        lines = len({error.line for error in result.rejected})
        first = "; ".join(str(error) for error in result.rejected[:3])
        typer.echo(f"{file}: {lines:,} row(s) left out ({first})", err=True)
    protocol = f"SRF-trained model as shipped, cut-off {result.metrics.threshold:.3f}"
    rows = labelled_rows(f"Shipped follower model on {file.name}", protocol, result)
    meta = {
        "file": str(file),
        "label": label,
        "rejected": [str(error) for error in result.rejected],
    }
    _emit(rows, json_output, f"microreach eval followers ({file})", meta)


@eval_app.command("niche")
def eval_niche(
    ctx: typer.Context,
    posts: PostsOption,
    seed: SeedOption = None,
    json_output: JsonOption = False,
) -> None:
    """Niche classification on any posts CSV with columns username, category and caption.

    Ours must beat a TF-IDF + logistic regression baseline trained on the same split.
    """
    json_output, chosen = _options(ctx, json_output, seed)
    from microreach.evaluation import niches

    seed = niches.SEED if chosen is None else chosen
    with _reading(posts):
        check_table(posts)
        result = niches.evaluate_niches(posts, seed)
    rows = niche_rows(f"Niches, {posts.name}", niche_protocol(seed), result)
    _emit(rows, json_output, f"microreach eval niche ({posts})", {"file": str(posts), "seed": seed})


@eval_app.command("tiers")
def eval_tiers(
    ctx: typer.Context,
    posts: PostsOption,
    seed: SeedOption = None,
    json_output: JsonOption = False,
) -> None:
    """Engagement by follower tier on any posts CSV with username, followers, likes, comments."""
    json_output, chosen = _options(ctx, json_output, seed)
    seed = tiers.SEED if chosen is None else chosen
    with _reading(posts):
        check_table(posts)
        result = tiers.evaluate_tiers(posts, seed)
        if result.influencers == 0:
            raise InvalidError("no row has usable followers, likes and comments")
    rows = tier_rows(f"Engagement by tier, {posts.name}", tier_protocol(seed), result)
    _emit(rows, json_output, f"microreach eval tiers ({posts})", {"file": str(posts), "seed": seed})


def _score_help() -> str:
    def names(fields: Sequence[str]) -> str:
        return "; ".join(
            f"{name} ({', '.join(COLUMN_ALIASES[name][1:]) or '-'})" for name in fields
        )

    optional = [name for name in COLUMN_ALIASES if name not in REQUIRED]
    return (
        "Score a CSV of accounts with the shipped fake-follower model.\n\n"
        f"Required columns, with accepted aliases (case and punctuation ignored): "
        f"{names(REQUIRED)}.\n\n"
        f"Optional columns (a missing column or empty cell is unknown): {names(optional)}.\n\n"
        "The output keeps the input columns and adds fake_probability (0 to 1), label (fake or "
        "real at the model's cut-off), top_features and error (why a row was not scored; "
        "such rows are kept). Exit code 2 for a missing, empty or unusable file."
    )


@followers_app.command("score", help=_score_help())
def score(
    file: Annotated[Path, typer.Argument(help="Account CSV.", show_default=False)],
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write; '-' for standard output (default: <input stem>.scored.csv "
            "beside the input).",
            show_default=False,
        ),
    ] = None,
) -> None:
    with _reading(file):
        check_table(file)
        with file.open(encoding="utf-8-sig", newline="") as handle:
            read_rows(handle)  # refuses a bad header before an empty output file is left behind
        if output == "-":
            report, where = _score_to_stdout(file), "standard output"
        else:
            target = Path(output) if output else file.with_name(f"{file.stem}.scored.csv")
            report, where = score_csv(file, target), str(target)
    first = f" (first: {report.errors[0]})" if report.errors else ""
    typer.echo(
        f"{file}: {report.rows_scored:,} rows scored, {report.rows_rejected:,} rejected{first}; "
        f"written to {where}",
        err=True,
    )


def _score_to_stdout(file: Path) -> ScoreReport:
    with tempfile.TemporaryDirectory() as folder:
        report = score_csv(file, Path(folder) / "scored.csv")
        with report.output_path.open(encoding="utf-8", newline="") as handle:
            shutil.copyfileobj(handle, sys.stdout)
    return report
