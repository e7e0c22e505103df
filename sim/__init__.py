"""humanline: what does cutting human customer-service agents really cost?

A discrete-event simulation of a contact centre — arrivals, bots,
agents on shifts, impatient customers who redial — that estimates how long
emergency callers wait for a human and what that costs, per staffing policy.

    import sim
    scenario = sim.load_scenario("scenarios/payment_platform.yaml")
    results = sim.run(scenario, settings=sim.RunSettings(replications=20, seed=1))
    results.summary(); results.compare(); results.save("out/")
    sim.report(scenario, "report.html")  # the evidence report: one self-contained HTML file
    cal = sim.calibrate("calls.csv", "fitted/", format="humanline")  # a scenario fitted from a call log

The names below are imported on first use (PEP 562), so ``import sim`` and a
command that does not simulate load none of the heavy libraries (pandas,
scipy, plotly, jinja2, pyarrow) until something needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from sim.version import __version__  # noqa: F401  (sim.__version__)

# Public name -> (module, attribute in it).
_EXPORTS = {
    "analyse": ("sim.studies.uncertainty", "analyse"),
    "experiment": ("sim.studies.uncertainty", "run_experiment"),
    "Policy": ("sim.model.scenario", "Policy"),
    "ProgressEvent": ("sim.runs.settings", "ProgressEvent"),
    "Results": ("sim.runs.results", "Results"),
    "RunSettings": ("sim.runs.settings", "RunSettings"),
    "Scenario": ("sim.model.scenario", "Scenario"),
    "ScenarioError": ("sim.model.validation", "ScenarioError"),
    "build_scenario": ("sim.model.validation", "build_scenario"),
    "calibrate": ("sim.calibration", "calibrate"),
    "load_scenario": ("sim.files.scenario_io", "load_scenario"),
    "parse_scenario": ("sim.files.scenario_io", "parse_scenario"),
    "report": ("sim.cli.report", "report"),
    "run": ("sim.runs.runner", "run"),
    "scenario_to_yaml": ("sim.files.scenario_io", "scenario_to_yaml"),
}

if TYPE_CHECKING:  # for type checkers and editors; at run time __getattr__ imports on demand
    from sim.files.scenario_io import load_scenario, parse_scenario, scenario_to_yaml
    from sim.model.scenario import Policy, Scenario
    from sim.calibration import calibrate
    from sim.model.validation import ScenarioError, build_scenario
    from sim.cli.report import report
    from sim.runs.results import Results
    from sim.runs.runner import run
    from sim.runs.settings import ProgressEvent, RunSettings
    from sim.studies.uncertainty import analyse
    from sim.studies.uncertainty import run_experiment as experiment


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = sorted(_EXPORTS)
