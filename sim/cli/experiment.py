"""``python -m sim experiment FILE --out DIR`` and ``python -m sim analyse DIR``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.present.formatting import fmt_difference, fmt_value

COMMANDS = ("experiment", "analyse")


def add_parsers(sub, whole_number) -> None:
    p = sub.add_parser("experiment", help="run an experiment over uncertain inputs (resumable)")
    p.add_argument("file", type=Path, help="the experiment YAML file")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="the experiment's folder; re-running the same command resumes it")
    p.add_argument("--workers", type=whole_number(1, "at least 1"), default=1, metavar="N",
                   help="processes on this machine, or Dask workers with --dask local")
    p.add_argument("--dask", metavar="ADDR", help="a Dask scheduler address (tcp://host:8786), or 'local'")
    p.add_argument("--allow-large", action="store_true",
                   help="run even when a point's size estimate is over the limits (see README: size limits)")
    a = sub.add_parser("analyse", help="tornado, Morris, Sobol and the verdict map of an experiment folder")
    a.add_argument("folder", type=Path)


def run_command(args: argparse.Namespace, command_line: str, progress_bar) -> int:
    """Exit code: 0 done, 2 a bad experiment file, folder or option, or points over the size limits."""
    # Imported here, not at the top: parsing the command line must not load SALib, dask and the model.
    from sim.runs.settings import RunSettings
    from sim.runs.size_guard import RunTooLarge
    from sim.studies.uncertainty.analysis import analyse
    from sim.studies.uncertainty.execute import run_experiment
    from sim.studies.uncertainty.spec import ExperimentError, load_experiment

    try:
        if args.command == "experiment":
            experiment = load_experiment(args.file)
            with progress_bar() as progress:
                settings = RunSettings(workers=args.workers, progress=progress)
                runs = run_experiment(experiment, args.out, settings=settings, dask=args.dask, command=command_line,
                                      allow_large=args.allow_large)
            keys = runs[["point", "replication"]].drop_duplicates().shape[0] if len(runs) else 0
            print(f"{experiment.spec.name}: {keys} runs finished in {args.out}/ "
                  f"({experiment.spec.design.kind}, {len(experiment.spec.factors)} factors); "
                  f"read it with: python -m sim analyse {args.out}")
            return 0
        tables = analyse(args.folder)
    except ExperimentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RunTooLarge as exc:
        print(f"error: {exc.message('--allow-large')}", file=sys.stderr)
        return 2
    print(render_analysis(tables))
    print(f"\nwrote {args.folder}/analysis/: {', '.join([*(f'{name}.csv' for name in tables), 'data_dictionary.csv'])}")
    return 0


def render_analysis(tables) -> str:
    lines = []
    tornado = tables.get("tornado")
    if tornado is not None and len(tornado):
        lines.append("Tornado: the change from the base point when one factor moves to its low / high value")
        for (policy, figure), group in tornado.groupby(["policy", "figure"], sort=False):
            kind = "share" if figure == "share_within_guarantee" else "money"
            lines.append(f"\n  {policy}, {figure} (base {fmt_value(group['base_mean'].iloc[0], kind)}):")
            for row in group.itertuples():
                lines.append(f"    {row.factor:<62} low {fmt_difference(row.low_change, kind):>12}   "
                             f"high {fmt_difference(row.high_change, kind):>12}")
    shares = tables.get("loss_curve_share")
    if shares is not None and (shares["swing"] > 0).any():
        lines.append("\nHow much of the swings is the loss curve's (its factors' squared swings over all):")
        for row in shares[shares["swing"] > 0].itertuples():
            lines.append(f"  {row.policy}, {row.figure}: {fmt_value(row.share, 'share')}")
    for name, columns in (("morris", ("mu_star", "sigma")), ("sobol", ("S1", "ST"))):
        table = tables.get(name)
        if table is not None and len(table):
            lines.append(f"\n{name.capitalize()} indices:")
            for (policy, figure), group in table.groupby(["policy", "figure"], sort=False):
                lines.append(f"\n  {policy}, {figure}:")
                for row in group.itertuples():
                    values = "   ".join(f"{c} {getattr(row, c):,.3g}" for c in columns)
                    lines.append(f"    {row.factor:<62} {values}")
    boxes = tables.get("verdict_boxes")
    if boxes is not None and len(boxes):
        lines.append("\nVerdict map: where the verdict flips")
        for row in boxes.itertuples():
            if row.factor is None or row.factor != row.factor:
                lines.append(f"  {row.policy}: {row.where} ({row.points} points)")
            else:
                lines.append(f"  {row.policy}: {row.where} when {row.factor} in [{row.low:,.3g}, {row.high:,.3g}]"
                             f" (coverage {row.coverage:.0%}, density {row.density:.0%})")
    return "\n".join(lines)
