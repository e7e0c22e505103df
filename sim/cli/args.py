"""What every command line shares: exit codes, the argument parser, argument types, the progress bar, --out.

Its own module so that ``sim.cli`` and the command modules it gathers
(``analytic``, ``roster``, ``experiment``) import it and not
each other. It imports the model only inside the functions that need it, so
that a command which does not simulate (``erlang``, ``--help``) does not load it.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from tqdm import tqdm

from sim.errors import ArgumentError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own exit code for usage errors is 2 too
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


@contextmanager
def progress_bar():
    """A progress callback (``sim.runs.settings.ProgressEvent``) drawing a bar on stderr.

    The bar shows only on a terminal and only for runs longer than a second;
    a study of several stages names the one running.
    """
    bar = tqdm(desc="simulating", unit="run", delay=1.0, file=sys.stderr, leave=False, disable=None)

    def update(event) -> None:
        if event.stage:
            bar.set_description(event.stage)
        bar.total = event.total
        bar.n = event.done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


# The run settings' arguments as the command line spells them.
RUN_OPTIONS = {"replications": "--replications", "seed": "--seed", "workers": "--workers",
               "precision": "--precision", "max_replications": "--max-replications", "confidence": "--confidence"}


def run_settings(args):
    """(the ``RunSettings`` the command's options ask for, None), or (None, the problem named as its option).

    Every command that runs replications builds its settings here, from
    whichever of ``--replications``, ``--seed``, ``--workers``, ``--precision``,
    ``--max-replications`` and ``--confidence`` it offers (an option not given keeps the
    setting's default: the scenario's replications and seed). The bounds are
    checked by ``RunSettings`` (the Scenario's own, for replications and seed).
    """
    from sim.runs.settings import RunSettings

    given = {name: getattr(args, name) for name in RUN_OPTIONS if getattr(args, name, None) is not None}
    try:
        return RunSettings(**given), None
    except ArgumentError as exc:
        return None, option_message(exc, RUN_OPTIONS, args)


def option_message(exc: ArgumentError, options: dict[str, str], args=None) -> str:
    """The model's message with its parameter named as the command-line option that set it.

    ``options`` maps the model's argument to the option; with ``args``, the
    refused value is written as the user typed it (calls per hour, not per second).
    """
    if exc.argument not in options:
        return str(exc)
    option = options[exc.argument]
    typed = getattr(args, option.removeprefix("--").replace("-", "_"), None) if args is not None else None
    if isinstance(typed, (int, float)) and not isinstance(typed, bool):
        return exc.named(option, f"{typed:g}")
    return exc.named(option)


def number(text: str) -> float:
    """An argparse type: a finite number; for arguments whose range the model itself checks."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def integer(text: str) -> int:
    """An argparse type: a whole number, any sign; for arguments whose range the model itself checks."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def whole_number(minimum: int, meaning: str):
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


workers_count = whole_number(0, "0 (one per core) or more")


def prepare_out(out: Path | None) -> str | None:
    """Check the output folder before a long run, so a bad --out fails in a second, not after it.

    What an earlier, killed save left beside it is put right first, and said
    (``sim.files.export.recover_output_folder``). Nothing is created: the
    folder appears only when the results are written, so a run stopped
    before then leaves no empty folder behind.
    """
    if out is None:
        return None
    from sim.files.export import OutputFolderError, check_output_folder, recover_output_folder

    try:
        for note in recover_output_folder(out):
            print(f"note: --out: {note}", file=sys.stderr)
        check_output_folder(out)
        existing = out.absolute()
        while not existing.exists():
            existing = existing.parent
        if not existing.is_dir():
            return f"--out: cannot use {str(out)!r} as a folder: {str(existing)!r} is not a folder"
        writable_at = existing if existing != out.absolute() else existing.parent
        if not os.access(writable_at, os.W_OK):
            return f"--out: cannot write {'beside' if writable_at != existing else 'into'} {str(out)!r}: " \
                   "permission denied"
    except OutputFolderError as exc:
        return f"--out: {exc}"
    except OSError as exc:
        return f"--out: cannot use {str(out)!r} as a folder: {exc.strerror or type(exc).__name__}"
    return None
