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


def with_run_options(scenario, args):
    """(the scenario with --replications/--seed applied, None), or (None, the problems named as those options).

    The bounds are the Scenario model's (``sim.model.knobs.with_run_settings``); every command that takes
    the two options applies them here.
    """
    from sim.model.knobs import with_run_settings
    from sim.model.validation import ScenarioError

    try:
        return with_run_settings(scenario, replications=args.replications, seed=args.seed), None
    except ScenarioError as exc:
        return None, "; ".join(f"--{line}" for line in exc.problems)


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
    """Check the output folder before a long run, so a bad --out fails in a second, not after it."""
    if out is None:
        return None
    from sim.files.export import OutputFolderError, check_output_folder

    try:
        check_output_folder(out)
        # An empty folder now: the results replace it in one rename (sim.files.export).
        out.mkdir(parents=True, exist_ok=True)
        if not os.access(out.absolute().parent, os.W_OK):
            return f"--out: cannot write beside {str(out)!r}: permission denied"
    except OutputFolderError as exc:
        return f"--out: {exc}"
    except OSError as exc:
        return f"--out: cannot use {str(out)!r} as a folder: {exc.strerror or type(exc).__name__}"
    return None
