"""``python -m sim report SCENARIO [--experiment DIR] --out report.html``: the evidence report as one HTML file.

The study ``sim.studies.evidence`` computes what the report shows and
``sim.present.report`` renders it; here they are put together for the
command and for ``sim.report`` (``build_report``, ``report``), and the file is
written whole or not at all (a temporary file beside it, then a rename), so an
interrupted build leaves an earlier report as it was.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.args import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, integer, run_settings, workers_count

if TYPE_CHECKING:
    from sim.model.scenario import Scenario
    from sim.runs.settings import RunSettings
    from sim.studies.evidence import Evidence

COMMANDS = ("report",)


@dataclass
class Report:
    """A rendered report and the evidence it was built from."""

    html: str
    evidence: Evidence

    @property
    def scenario(self):
        return self.evidence.scenario

    @property
    def results(self):
        return self.evidence.results

    @property
    def frontier(self):
        return self.evidence.frontier

    @property
    def validation(self):
        return self.evidence.validation

    @property
    def timings(self) -> dict[str, float]:
        return self.evidence.timings


def build_report(scenario: Scenario | str | Path, *, experiment: str | Path | None = None,
                 settings: RunSettings | None = None, base: Scenario | None = None, source: str = "",
                 command: str | None = None, oat_replications: int | None = None, results=None,
                 frontier=None) -> Report:
    """Gather the evidence of ``scenario`` (a Scenario or a file) and render it.

    ``settings``: replications and seed (overriding the scenario's, as
    ``sim.run`` does; the report shows the scenario as run), workers, and
    progress stage by stage (``ProgressEvent.stage``; ``total`` 0 where a
    stage's runs are not counted). The other arguments are
    ``sim.studies.evidence.gather_evidence``'s and ``sim.present.report.render_report``'s.
    """
    from sim.version import __version__
    from sim.files.scenario_io import load_scenario
    from sim.model.knobs import with_run_settings
    from sim.model.scenario import Scenario
    from sim.present.report import render_report
    from sim.runs.settings import RunSettings
    from sim.studies.evidence import OAT_REPLICATIONS, gather_evidence

    if not isinstance(scenario, Scenario):
        source = source or str(scenario)
        scenario = load_scenario(scenario)
    settings = settings or RunSettings()
    scenario = with_run_settings(scenario, replications=settings.replications, seed=settings.seed)
    evidence = gather_evidence(scenario, experiment=experiment, settings=settings.replace(replications=None, seed=None),
                               oat_replications=OAT_REPLICATIONS if oat_replications is None else oat_replications,
                               results=results, frontier=frontier)
    t = time.perf_counter()
    page = render_report(evidence, version=__version__, base=base, source=source, command=command)
    evidence.timings["render_s"] = time.perf_counter() - t
    return Report(html=page, evidence=evidence)


def report(scenario: Scenario | str | Path, out: str | Path | None = None, *, experiment: str | Path | None = None,
           settings: RunSettings | None = None, base: Scenario | None = None, source: str = "",
           command: str | None = None) -> Path | str:
    """``sim.report``: build the evidence report of ``scenario``; write it to ``out`` (whole or not at all) and
    return the path; without ``out`` return the HTML text.

    ``experiment``: a folder of ``sim.experiment`` whose tornado and verdict map
    go into section 5 (without it a small one-at-a-time experiment is run).
    ``base``: the scenario as loaded, when ``scenario`` is an edited copy: the
    differences are listed as edits. ``settings``: as ``build_report``'s.
    """
    from sim.files.export import write_text_whole

    built = build_report(scenario, experiment=experiment, settings=settings, base=base, source=source,
                         command=command)
    return built.html if out is None else write_text_whole(built.html, Path(out))


def add_parsers(sub) -> None:
    p = sub.add_parser("report", help="build the evidence report: one self-contained HTML file")
    p.add_argument("scenario", type=Path)
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="the HTML file to write (e.g. report.html)")
    p.add_argument("--experiment", type=Path, metavar="DIR",
                   help="a folder of `python -m sim experiment` for section 5 (default: a small one-at-a-time "
                        "experiment run for the report)")
    p.add_argument("--replications", type=integer, metavar="N", help="default: the scenario's")
    p.add_argument("--seed", type=integer, metavar="S", help="default: the scenario's")
    p.add_argument("--workers", type=workers_count, default=1, metavar="W", help="parallel processes (0: one per core)")


def check_out(out: Path) -> str | None:
    """Why ``out`` cannot take the report, before any run (None: it can)."""
    if out.is_dir():
        return f"--out: {str(out)!r} is a folder; name the HTML file to write, e.g. {str(out / 'report.html')!r}"
    parent = out.absolute().parent
    if not parent.is_dir():
        return f"--out: the folder {str(parent)!r} does not exist"
    if not os.access(parent, os.W_OK):
        return f"--out: cannot write into {str(parent)!r}: permission denied"
    return None


def check_experiment(folder: Path | None) -> str | None:
    if folder is None:
        return None
    if not (folder / "experiment.json").is_file():
        return (f"--experiment: {str(folder)!r} is not an experiment folder (no experiment.json); "
                "give the --out folder of `python -m sim experiment`")
    return None


@contextmanager
def stage_progress(stream=None, every_s: float = 10.0):
    """The report's progress on stderr, stage by stage with the runs done in each, as the app shows it.

    On a terminal a bar per stage; elsewhere (a log, CI, a pipe) one line when a
    stage starts, then one every ``every_s`` seconds (its runs done, or that it
    is still at work where its runs are not counted), so a build of minutes is
    never silent.
    """
    stream = stream or sys.stderr
    started = time.monotonic()
    state = {"stage": None, "printed": 0.0, "bar": None, "counted": ""}
    terminal = stream.isatty()
    lock, finished = threading.Lock(), threading.Event()

    def line(text: str) -> None:
        state["printed"] = time.monotonic()
        print(f"report: {text} ({state['printed'] - started:.0f} s)", file=stream, flush=True)

    def heartbeat() -> None:
        while not finished.wait(every_s / 2):
            with lock:
                if state["stage"] is not None and time.monotonic() - state["printed"] >= every_s:
                    line(f"{state['stage']}: {state['counted'] or 'still at work'}")

    def update(event) -> None:  # a ProgressEvent (sim.runs.settings); total 0: the stage's runs are not counted
        stage = event.stage or "working"
        done, total = (event.done, event.total) if event.total else (None, None)
        new = stage != state["stage"]
        if new:
            state["stage"] = stage
            if state["bar"] is not None:
                state["bar"].close()
                state["bar"] = None
        if terminal:
            from tqdm import tqdm

            if state["bar"] is None:
                state["bar"] = tqdm(desc=stage, unit="run", file=stream, leave=False, total=total)
            if total is not None:
                state["bar"].total, state["bar"].n = total, done
                state["bar"].refresh()
            return
        with lock:
            state["counted"] = "" if done is None else f"{done} of {total} runs"
            if new or (done is not None and (done == total or time.monotonic() - state["printed"] >= every_s)):
                line(f"{stage}: {state['counted']}" if state["counted"] else stage)

    ticker = None if terminal else threading.Thread(target=heartbeat, daemon=True, name="report-progress")
    if ticker is not None:
        ticker.start()
    try:
        yield update
    finally:
        finished.set()
        if ticker is not None:
            ticker.join()
        if state["bar"] is not None:
            state["bar"].close()


def run_command(scenario, args: argparse.Namespace, command_line: str) -> int:
    """Exit code: 0 written, 2 a bad option, folder or scenario, 1 a failure after the runs started."""
    from sim.files.export import write_text_whole
    from sim.runs.guard import NonFiniteResult
    from sim.runs.size_guard import RunTooLarge
    from sim.studies.uncertainty import ExperimentError

    settings, problem = run_settings(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    problem = check_out(args.out) or check_experiment(args.experiment)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for line in scenario.warnings:
        print(f"warning: {line}", file=sys.stderr)
    try:
        with stage_progress() as progress:
            built = build_report(scenario, experiment=args.experiment, settings=settings.replace(progress=progress),
                                 source=str(args.scenario), command=command_line)
    except ExperimentError as exc:
        print(f"error: --experiment: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except RunTooLarge as exc:
        print(f"error: {exc.message(None)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except NonFiniteResult as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        write_text_whole(built.html, args.out)
    except OSError as exc:
        print(f"error: --out: cannot write {str(args.out)!r}: {exc.strerror or type(exc).__name__}; "
              "nothing was written", file=sys.stderr)
        return EXIT_FAILED
    size_mb = len(built.html.encode()) / 1e6
    print(f"wrote {args.out} ({size_mb:.1f} MB, {built.results.n_replications} replications, seed "
          f"{built.results.seed}); it opens offline in any browser")
    return EXIT_OK
