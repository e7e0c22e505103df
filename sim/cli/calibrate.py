"""``python -m sim calibrate LOG --out DIR``: fit a scenario from a call log and backtest it (sim.calibrate)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.args import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, integer, number, run_settings
from sim.studies.choices import CALL_LOG_FORMATS

COMMANDS = ("calibrate",)


def _weeks(text: str) -> list[int]:
    out: list[int] = []
    try:
        for part in text.split(","):
            if "-" in part:
                a, b = part.split("-", 1)
                out += list(range(int(a), int(b) + 1))
            else:
                out.append(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected week numbers like 1,2 or 1-3, got {text!r}") from None
    return out


def add_parsers(sub) -> None:
    p = sub.add_parser("calibrate", help="fit a scenario from a call log (one row per call) and backtest it")
    p.add_argument("log", type=Path, help="the call log (CSV/TSV export, one row per call)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="folder for scenario.yaml, backtest.csv, the fit tables and figures (new or empty)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--format", choices=sorted(CALL_LOG_FORMATS), metavar="NAME",
                     help=f"a built-in layout: {', '.join(sorted(CALL_LOG_FORMATS))} (default anonymous_bank)")
    how.add_argument("--columns", type=Path, metavar="MAP.yaml", help="a column mapping for any CSV/TSV export")
    p.add_argument("--interval-min", type=integer, choices=(15, 30, 60), default=30)
    p.add_argument("--weeks", type=_weeks, metavar="W", help="weeks of the log to fit (1 = its first 7 days), e.g. 1-3")
    p.add_argument("--staffing", type=Path, metavar="CSV",
                   help="agents on duty per interval (a column 'agents'), instead of the estimate from the log")
    p.add_argument("--target-s", type=number, default=20.0, help="service-level target in seconds (default 20)")
    p.add_argument("--replications", type=integer, default=10, metavar="N", help="backtest replications (default 10)")
    p.add_argument("--seed", type=integer, default=12345, metavar="S")


def run_command(args: argparse.Namespace, progress_bar) -> int:
    from sim.calibration import calibrate
    from sim.files.calllog_io import CallLogError

    if args.replications < 2:
        print("error: --replications: must be at least 2 (the backtest's band needs a spread)", file=sys.stderr)
        return EXIT_BAD_INPUT
    settings, problem = run_settings(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    with progress_bar() as update:
        try:
            cal = calibrate(args.log, args.out, format=args.format, columns=args.columns,
                            interval_min=args.interval_min, weeks=args.weeks, staffing=args.staffing,
                            target_s=args.target_s, settings=settings.replace(progress=update))
        except CallLogError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except OSError as exc:
            print(f"error: --out: cannot write into {str(args.out)!r}: {exc.strerror or type(exc).__name__}",
                  file=sys.stderr)
            return EXIT_FAILED
    rej = cal.log.rejected
    print(f"{args.log.name}: {cal.log.rows_read:,} rows, {len(cal.log.calls):,} calls used, "
          f"{int(rej['rows'].sum()) if len(rej) else 0:,} left out")
    for r in rej.itertuples():
        print(f"  left out: {r.reason}: {r.rows:,} (first at line {r.first_line})")
    for note in cal.notes:
        print(f"  note: {note}")
    print(f"contact types: {', '.join(cal.type_ids)}; busyness cv {cal.busyness.cv:.3f}; "
          f"days excluded: {cal.excluded_days_text}")
    if cal.backtest is not None:
        print("\nbacktest (weighted over weekday-hours):")
        for r in cal.backtest.summary.itertuples():
            print(f"  {r.metric:<14} error {r.weighted_abs_error:7.1f} {r.unit:<22} bias {r.weighted_bias:+7.1f}  "
                  f"{r.cells_inside}/{r.cells} hours inside the 95% band")
    print(f"\nwrote {args.out}/: scenario.yaml, backtest.csv, calibration.md, fit tables and figures")
    return EXIT_OK
