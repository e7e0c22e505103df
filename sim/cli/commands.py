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
    python -m sim report SCENARIO [--experiment DIR] [--replications N] [--seed S] --out report.html
    python -m sim agreement [--replications N] [--seed S] --out DIR [--markdown FILE]
    python -m sim loss-fit [--evidence CSV] [--check | --write]
    python -m sim calibrate LOG --out DIR [--format NAME | --columns MAP.yaml] [--interval-min 15|30|60] [--weeks W]

``erlang``, ``staff`` and ``breakeven`` live in ``sim.cli.analytic``, ``experiment`` and
``analyse`` in ``sim.cli.experiment``, ``roster`` in ``sim.cli.roster``, ``report`` in ``sim.cli.report``,
``agreement`` in ``sim.cli.agreement``, ``loss-fit`` in ``sim.cli.loss``.

Exit codes: 0 success, 2 bad input (a scenario that does not validate, an
unknown policy, a bad argument, a run over the size limits of
``sim.runs.size_guard`` without ``--allow-large``, an --out folder that cannot
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
from pathlib import Path

from sim.cli import agreement, analytic, calibrate, experiment, loss, report, roster
from sim.cli.args import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    Parser,
    integer,
    number,
    prepare_out,
    progress_bar,
    run_settings,
    whole_number,
    workers_count,
)
from sim.runs import DEFAULT_MAX_REPLICATIONS

# The model, the runner and the writers are imported where a command uses them: ``erlang`` and ``--help``
# must not pay for loading pandas, pydantic and plotly (tests/test_startup.py checks which modules load).


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m sim", description="humanline: contact-centre staffing simulator")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p_validate = sub.add_parser("validate", help="check a scenario file without running it")
    p_validate.add_argument("scenario", type=Path)

    p_run = sub.add_parser("run", help="simulate a scenario's policies and print a summary")
    p_compare = sub.add_parser("compare", help="simulate and compare every policy with the baseline")
    for p in (p_run, p_compare):
        p.add_argument("scenario", type=Path)
        p.add_argument("--policy", action="append", metavar="ID", help="policy to run (repeatable; default all)")
        p.add_argument("--replications", type=integer, metavar="N")
        p.add_argument("--seed", type=integer, metavar="S")
        p.add_argument("--workers", type=workers_count, default=1, metavar="W", help="parallel processes (0: one per core)")
        p.add_argument("--out", type=Path, metavar="DIR", help="write CSV tables and provenance.json here")
        p.add_argument("--precision", type=number, metavar="P",
                       help="add replications until the 95%% CI half-width of every net effect and guarantee "
                            "share is within P of its mean (e.g. 0.05); --replications is then the first batch")
        p.add_argument("--max-replications", type=integer, default=DEFAULT_MAX_REPLICATIONS, metavar="N",
                       help=f"with --precision: stop after N replications (default {DEFAULT_MAX_REPLICATIONS})")
        p.add_argument("--calls", action="store_true",
                       help="with --out: also write every attempt as a call log (calls-POLICY-repN.csv, the "
                            "layout `calibrate --format humanline` reads)")
        p.add_argument("--allow-large", action="store_true",
                       help="run even when the size estimate is over the limits (see README: size limits)")
    p_compare.add_argument("--baseline", metavar="ID", help="policy to compare against (default: the scenario's)")
    analytic.add_parsers(sub)
    experiment.add_parsers(sub, whole_number)
    roster.add_parsers(sub, whole_number)
    report.add_parsers(sub)
    agreement.add_parsers(sub)
    loss.add_parsers(sub)
    calibrate.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        # One line, no traceback; results are written all or nothing (sim.files.export), so nothing is half-written.
        print("\ninterrupted: stopped; no results were written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        from sim.runs.size_guard import RunTooLarge  # here, not at the top: start-up loads no model

        if isinstance(exc, RunTooLarge):
            # Refused before it started, from a study's own runs (staff, breakeven, roster): bad input, not a
            # defect. Commands that offer --allow-large catch it themselves and name it.
            print(f"error: {exc.message(None)}", file=sys.stderr)
            return EXIT_BAD_INPUT
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
        return analytic.run_erlang(args, command_line)
    if args.command in loss.COMMANDS:  # the evidence table, not a scenario
        return loss.run_command(args)
    if args.command in experiment.COMMANDS:  # an experiment file or folder, not a scenario
        return experiment.run_command(args, command_line, progress_bar)
    if args.command in calibrate.COMMANDS:  # a call log, not a scenario
        return calibrate.run_command(args, progress_bar)
    if args.command in agreement.COMMANDS:  # published cases, no scenario file
        return agreement.run_command(args, command_line, progress_bar)
    from sim.files.scenario_io import load_scenario
    from sim.model.validation import ScenarioError

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
    if args.command in roster.COMMANDS:
        return roster.run_command(scenario, args, command_line)
    if args.command in report.COMMANDS:
        return report.run_command(scenario, args, command_line)
    if args.command in analytic.SCENARIO_COMMANDS:
        return analytic.run_command(scenario, args, command_line)
    return EXIT_BAD_INPUT  # pragma: no cover - argparse rejects unknown commands


def _check_policies(scenario, requested) -> str | None:
    problem = scenario.unknown_policies(requested or [])
    return f"--policy: {problem}" if problem else None


def _check_baseline(scenario, args) -> str | None:
    baseline = getattr(args, "baseline", None)
    if baseline is None:
        if args.command == "compare" and args.policy and scenario.baseline_policy.id not in args.policy:
            return (f"--policy: the baseline {scenario.baseline_policy.id!r} is not among the policies; "
                    "add it or name another with --baseline")
        return None
    problem = scenario.unknown_policies([baseline])
    if problem:
        return f"--baseline: {problem}"
    if args.policy and baseline not in args.policy:
        return f"--baseline: {baseline!r} is not among the --policy list"
    return None


def _run(scenario, args, command_line: str) -> int:
    from sim.files.export import OutputFolderError, written_files
    from sim.present.terminal import render_comparison, render_summary
    from sim.runs.guard import NonFiniteResult, run_checked
    from sim.runs.size_guard import RunTooLarge
    from sim.runs.stats import ROUGH_BELOW
    from sim.studies.comparison import comparison_tables

    settings, problem = run_settings(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if getattr(args, "calls", False) and not args.out:
        print("error: --calls: needs --out DIR (the call records are written there)", file=sys.stderr)
        return EXIT_BAD_INPUT
    problem = _check_policies(scenario, args.policy) or _check_baseline(scenario, args) or prepare_out(args.out)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        with progress_bar() as progress:
            results, _ = run_checked(
                scenario, policies=args.policy, settings=settings.replace(progress=progress),
                allow_large=args.allow_large, on_warning=lambda line: _warn([line]),
            )
    except RunTooLarge as exc:
        print(f"error: {exc.message('--allow-large')}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except NonFiniteResult as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.command == "compare":
        print(render_comparison(comparison_tables(results, baseline=args.baseline)))
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
        calls_written: list[str] = []
        if getattr(args, "calls", False):
            from sim.calibration.records import write_call_records

            try:
                calls_written = write_call_records(scenario, results.policies, results.seed, results.n_replications,
                                                   args.out)
            except OSError as exc:
                print(f"error: --calls: cannot write the call records into {str(args.out)!r}: "
                      f"{exc.strerror or type(exc).__name__}", file=sys.stderr)
                return EXIT_FAILED
        print(f"\nwrote {args.out}/: {', '.join(written_files(args.out) + calls_written)}")
    return EXIT_OK
