"""Command line: ``python -m sim`` (or ``humanline``).

    python -m sim validate SCENARIO
    python -m sim run SCENARIO [--policy ID ...] [--replications N] [--seed S] [--workers W] [--out DIR]
                               [--precision P [--max-replications N]] [--allow-large]
    python -m sim compare SCENARIO [--baseline ID] [same options as run]
    python -m sim erlang --calls-per-hour X --aht-s S (--agents N | --service-level P) [--patience-s S]
    python -m sim staff SCENARIO [--policy ID] [--method M ...] [--by pooled|type] [--out DIR]
    python -m sim breakeven SCENARIO [--kind staffing|bot_resolve] [--template ID] [--out DIR]
    python -m sim experiment FILE --out DIR [--workers N] [--dask ADDR|local]
    python -m sim analyse DIR
    python -m sim roster SCENARIO [--plan FILE] [--method M] [--budget B] --out DIR

The last three live in ``sim.analytic_cli``.

Exit codes: 0 success, 2 bad input (a scenario that does not validate, an
unknown policy, a bad argument, a run over the size limits of
``sim.size_guard`` without ``--allow-large``, an --out folder that cannot
take the results), 1 a failure after the run started (the results could not
be written, or the model produced a non-finite figure), 130 interrupted
(Ctrl-C: one line, nothing half-written). Every failure prints one clear
message to stderr, never a traceback. Warnings (``Scenario.warnings``, a
worker count above the cores) go to stderr too, as ``warning: ...`` lines.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from contextlib import contextmanager
from pathlib import Path

from tqdm import tqdm

from . import analytic_cli, planning_cli
from .export import OutputFolderError, check_output_folder, written_files
from .report import render_comparison, render_summary
from .run_guard import NonFiniteResult, run_checked
from .runner import DEFAULT_MAX_REPLICATIONS
from .scenario_io import ScenarioError, load_scenario, with_run_settings
from .size_guard import RunTooLarge
from .stats import ROUGH_BELOW
from .uncertainty import cli as uncertainty_cli

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own exit code for usage errors is 2 too
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


@contextmanager
def progress_bar():
    """A progress callback ``(done, total, label=None)`` drawing a bar on stderr.

    The bar shows only on a terminal and only for runs longer than a second.
    """
    bar = tqdm(desc="simulating", unit="run", delay=1.0, file=sys.stderr, leave=False, disable=None)

    def update(done: int, total: int, label: str | None = None) -> None:
        if label:
            bar.set_description(label)
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


def _whole_number(minimum: int, meaning: str):
    """An argparse type: a whole number of at least ``minimum``, else a message saying what it must be."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {meaning}, got {value}")
        return value

    return parse


_positive_int = _whole_number(1, "at least 1")
_seed = _whole_number(0, "0 or more")
_workers = _whole_number(0, "0 (one per core) or more")
_at_least_two = _whole_number(2, "at least 2")


def _relative_half_width(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 0.05, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be a relative half-width between 0 and 1 (0.05 = 5%), got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m sim", description="humanline: contact-centre staffing simulator")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p_validate = sub.add_parser("validate", help="check a scenario file without running it")
    p_validate.add_argument("scenario", type=Path)

    p_run = sub.add_parser("run", help="simulate a scenario's policies and print a summary")
    p_compare = sub.add_parser("compare", help="simulate and compare every policy with the baseline")
    for p in (p_run, p_compare):
        p.add_argument("scenario", type=Path)
        p.add_argument("--policy", action="append", metavar="ID", help="policy to run (repeatable; default all)")
        p.add_argument("--replications", type=_positive_int, metavar="N")
        p.add_argument("--seed", type=_seed, metavar="S")
        p.add_argument("--workers", type=_workers, default=1, metavar="W", help="parallel processes (0: one per core)")
        p.add_argument("--out", type=Path, metavar="DIR", help="write CSV tables and provenance.json here")
        p.add_argument("--precision", type=_relative_half_width, metavar="P",
                       help="add replications until the 95%% CI half-width of every net effect and guarantee "
                            "share is within P of its mean (e.g. 0.05); --replications is then the first batch")
        p.add_argument("--max-replications", type=_at_least_two, default=DEFAULT_MAX_REPLICATIONS, metavar="N",
                       help=f"with --precision: stop after N replications (default {DEFAULT_MAX_REPLICATIONS})")
        p.add_argument("--allow-large", action="store_true",
                       help="run even when the size estimate is over the limits (see README: size limits)")
    p_compare.add_argument("--baseline", metavar="ID", help="policy to compare against (default: the scenario's)")
    analytic_cli.add_parsers(sub)
    uncertainty_cli.add_parsers(sub, _whole_number)
    planning_cli.add_parsers(sub, _whole_number)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        # One line, no traceback; results are written all or nothing (sim.export), so nothing is half-written.
        print("\ninterrupted: stopped; no results were written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        # A defect, not bad input: say so in one line; HUMANLINE_TRACEBACK=1 shows the traceback.
        if os.environ.get("HUMANLINE_TRACEBACK"):
            raise
        print(f"error: unexpected failure ({type(exc).__name__}: {str(exc)[:300]}); nothing was written. "
              "Please report it with the scenario; HUMANLINE_TRACEBACK=1 shows the details.", file=sys.stderr)
        return EXIT_FAILED


def _warn(lines: list[str]) -> None:
    for line in lines:
        print(f"warning: {line}", file=sys.stderr)


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    command_line = "python -m sim " + shlex.join(sys.argv[1:] if argv is None else argv)
    if args.command == "erlang":  # a calculator: no scenario file
        return analytic_cli.run_erlang(args, command_line)
    if args.command in uncertainty_cli.COMMANDS:  # an experiment file or folder, not a scenario
        return uncertainty_cli.run_command(args, command_line, progress_bar)
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.command == "validate":
        _warn(scenario.warnings)
        policies = ", ".join(p.id for p in scenario.effective_policies)
        print(
            f"{args.scenario}: valid. {scenario.name!r}: {len(scenario.contact_types)} contact types, "
            f"{scenario.days} day(s), policies: {policies}"
        )
        return EXIT_OK
    if args.command in ("run", "compare"):
        return _run(scenario, args, command_line)
    if args.command in planning_cli.COMMANDS:
        return planning_cli.run_command(scenario, args, command_line)
    if args.command in analytic_cli.SCENARIO_COMMANDS:
        return analytic_cli.run_command(scenario, args, command_line)
    return EXIT_BAD_INPUT  # pragma: no cover - argparse rejects unknown commands


def _check_policies(scenario, requested) -> str | None:
    known = [p.id for p in scenario.effective_policies]
    unknown = [p for p in requested or [] if p not in known]
    if unknown:
        return f"--policy: unknown policy {', '.join(map(repr, unknown))}; this scenario has: {', '.join(known)}"
    return None


def _prepare_out(out: Path | None) -> str | None:
    """Check the output folder before a long run, so a bad --out fails in a second, not after it."""
    if out is None:
        return None
    try:
        check_output_folder(out)
        # An empty folder now: the results replace it in one rename (sim.export).
        out.mkdir(parents=True, exist_ok=True)
        if not os.access(out.absolute().parent, os.W_OK):
            return f"--out: cannot write beside {str(out)!r}: permission denied"
    except OutputFolderError as exc:
        return f"--out: {exc}"
    except OSError as exc:
        return f"--out: cannot use {str(out)!r} as a folder: {exc.strerror or type(exc).__name__}"
    return None


def _check_baseline(scenario, args) -> str | None:
    baseline = getattr(args, "baseline", None)
    if baseline is None:
        if args.command == "compare" and args.policy and scenario.baseline_policy.id not in args.policy:
            return (f"--policy: the baseline {scenario.baseline_policy.id!r} is not among the policies; "
                    "add it or name another with --baseline")
        return None
    known = [p.id for p in scenario.effective_policies]
    if baseline not in known:
        return f"--baseline: unknown policy {baseline!r}; this scenario has: {', '.join(known)}"
    if args.policy and baseline not in args.policy:
        return f"--baseline: {baseline!r} is not among the --policy list"
    return None


def _run(scenario, args, command_line: str) -> int:
    try:
        scenario = with_run_settings(scenario, replications=args.replications, seed=args.seed)
    except ScenarioError as exc:
        # The bounds are the Scenario model's; name them as the options that set them.
        for line in exc.problems:
            print(f"error: --{line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    problem = _check_policies(scenario, args.policy) or _check_baseline(scenario, args) or _prepare_out(args.out)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        with progress_bar() as progress:
            results, _ = run_checked(
                scenario, policies=args.policy, workers=args.workers, allow_large=args.allow_large,
                progress=progress, on_warning=lambda line: _warn([line]),
                precision=args.precision, max_replications=args.max_replications,
            )
    except RunTooLarge as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except NonFiniteResult as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.command == "compare":
        print(render_comparison(results, baseline=args.baseline))
    else:
        print(render_summary(results))
    if results.precision is not None:
        print("\n" + results.precision.describe())
    if results.n_replications < ROUGH_BELOW:
        print(f"\nnote: {results.n_replications} replication(s): every interval above is rough (fewer than "
              f"{ROUGH_BELOW}); raise --replications or set --precision")
    if args.out:
        try:
            results.save(args.out, command=command_line)
        except OutputFolderError as exc:
            print(f"error: --out: {exc}; nothing was written", file=sys.stderr)
            return EXIT_BAD_INPUT
        except OSError as exc:
            print(f"error: --out: cannot write the results into {str(args.out)!r}: "
                  f"{exc.strerror or type(exc).__name__}; nothing was written", file=sys.stderr)
            return EXIT_FAILED
        print(f"\nwrote {args.out}/: {', '.join(written_files(args.out))}")
    return EXIT_OK
