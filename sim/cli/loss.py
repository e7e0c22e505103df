"""``python -m sim loss-fit``: refit the named loss curves from the evidence table.

    python -m sim loss-fit                 # fit, print each curve with its points and band, compare with the stored fit
    python -m sim loss-fit --check         # exit 1 when the refit departs from sim/model/loss_catalogue.py
    python -m sim loss-fit --write         # store the refit in sim/model/loss_catalogue.py
    python -m sim loss-fit --evidence my_points.csv   # fit another table of the same columns

The fit and the bootstrap are sim.studies.loss_fit; this module reads the
table, prints, and writes the catalogue whole or not at all.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from sim.cli.args import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK

COMMANDS = ("loss-fit",)


def add_parsers(sub) -> None:
    p = sub.add_parser("loss-fit", help="refit the named loss curves from the evidence table (sim/data/loss_evidence.csv)")
    p.add_argument("--evidence", type=Path, metavar="CSV", help="the evidence table (default: the repository's)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--check", action="store_true", help="exit 1 when the refit departs from the stored parameters")
    what.add_argument("--write", action="store_true", help="store the refit in sim/model/loss_catalogue.py")


def run_command(args: argparse.Namespace) -> int:
    import pandas as pd

    from sim.model.loss_catalogue import CATALOGUE
    from sim.model.loss_curves import Curve
    from sim.present.formatting import fmt_value
    from sim.studies.loss_fit import (
        CATALOGUE_PATH,
        EVIDENCE_PATH,
        EvidenceError,
        curve_table,
        differences,
        fit_catalogue,
        read_evidence,
        render_catalogue,
    )

    path = args.evidence or EVIDENCE_PATH
    try:
        evidence = read_evidence(path)
        refit = fit_catalogue(evidence)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        print(f"--evidence: cannot read {str(path)!r}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except EvidenceError as exc:
        print(f"--evidence: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for name, entry in refit.items():
        print(f"{name}: {entry['label']}")
        print(f"  {Curve(entry['form'], tuple(entry['fit'])).describe()}; {len(entry['draws'])} bootstrap refits")
        table = curve_table(name, refit, evidence)
        for row in table.itertuples():
            print(f"  {row.id:<22} {row.delay_min / 60:>7.3g} h  published {fmt_value(row.share_lost, 'share'):>6}  "
                  f"fitted {fmt_value(row.fitted_share_lost, 'share'):>6}  band {fmt_value(row.band_low, 'share')}-"
                  f"{fmt_value(row.band_high, 'share')}")
    found = differences(CATALOGUE, refit)
    if args.write:
        text = render_catalogue(refit)
        fd, tmp = tempfile.mkstemp(dir=CATALOGUE_PATH.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, CATALOGUE_PATH)
        print(f"wrote {CATALOGUE_PATH}")
        return EXIT_OK
    if found:
        print("the refit departs from the stored parameters (sim/model/loss_catalogue.py):", file=sys.stderr)
        for line in found:
            print(f"  {line}", file=sys.stderr)
        return EXIT_FAILED if args.check else EXIT_OK
    print("the refit reproduces the stored parameters")
    return EXIT_OK
