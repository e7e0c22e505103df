"""``python -m sim agreement [--replications N] [--seed S] --out DIR [--markdown FILE]``: the agreement table.

Simulates every published case humanline can express (``sim.studies.agreement``)
and writes ``agreement.csv``, ``not_expressible.csv`` and ``time_varying.csv``
into DIR (with the data dictionary and provenance, all or nothing), prints the
table, and with ``--markdown`` writes it as markdown too (docs/validation.md
is that file). The exit code is 0 even when a row differs: a disagreement is a
finding, printed and written, not a failure of the command.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from sim.cli.args import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, prepare_out, run_settings, whole_number, workers_count

COMMANDS = ("agreement",)


def add_parsers(sub) -> None:
    # Defaults are resolved in run_command, so that building the parser imports no study.
    p = sub.add_parser("agreement", help="simulate the published cases and set humanline's figures beside them")
    p.add_argument("--replications", type=whole_number(2, "at least 2"), metavar="N",
                   help="simulated days per ContactCenters case (default: 1,000, as published); the slower cases "
                        "run a share of it")
    p.add_argument("--seed", type=whole_number(0, "0 or more"), metavar="S", help="default: the study's fixed seed")
    p.add_argument("--workers", type=workers_count, default=1, metavar="W", help="parallel processes (0: one per core)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="write the CSV tables and provenance here")
    p.add_argument("--markdown", type=Path, metavar="FILE", help="also write the table as markdown (docs/validation.md)")


def run_command(args: argparse.Namespace, command_line: str, progress_bar) -> int:
    from sim.files.export import OutputFolderError, provenance_record, write_folder, write_text_whole
    from sim.present.agreement import render_markdown
    from sim.studies.agreement import DEFAULT_REPLICATIONS, DEFAULT_SEED, agreement_table

    settings, problem = run_settings(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    settings = settings.or_defaults(DEFAULT_REPLICATIONS, DEFAULT_SEED)
    problem = prepare_out(args.out)
    if args.markdown is not None and not problem:
        parent = args.markdown.absolute().parent
        if args.markdown.is_dir():
            problem = f"--markdown: {str(args.markdown)!r} is a folder; name the file to write"
        elif not parent.is_dir():
            problem = f"--markdown: the folder {str(parent)!r} does not exist"
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    with progress_bar() as progress:
        table = agreement_table(settings.replace(progress=progress))
    created = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    markdown = render_markdown(table, command_line, created)
    print(markdown)
    record = provenance_record(command_line, replications=settings.replications, seed=settings.seed)
    try:
        write_folder(args.out, {"agreement": table.rows, "not_expressible": table.not_expressible,
                                "time_varying": table.time_varying}, record, None)
        if args.markdown is not None:
            write_text_whole(markdown, args.markdown)
    except OutputFolderError as exc:
        print(f"error: --out: {exc}; nothing was written", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"error: cannot write the results: {exc.strerror or type(exc).__name__}", file=sys.stderr)
        return EXIT_FAILED
    print(f"\nwrote {args.out}/: agreement.csv, not_expressible.csv, time_varying.csv, data_dictionary.csv, "
          f"provenance.json" + (f"; {args.markdown}" if args.markdown else ""))
    return EXIT_OK
