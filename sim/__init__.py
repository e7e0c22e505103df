"""humanline: what does cutting human customer-service agents really cost?

A discrete-event simulation (SimPy) of a contact centre — arrivals, bots,
agents on shifts, impatient customers who redial — that estimates how long
emergency callers wait for a human and what that costs, per staffing policy.

    import sim
    scenario = sim.load_scenario("scenarios/payment_platform.yaml")
    results = sim.run(scenario, replications=20, seed=1)
    results.summary(); results.compare(); results.save("out/")
    sim.report(scenario, "report.html")  # the evidence report: one self-contained HTML file
    cal = sim.calibrate("calls.csv", "fitted/", format="humanline")  # a scenario fitted from a call log
"""

from sim.files.scenario_io import load_scenario, parse_scenario, scenario_to_yaml
from sim.model.scenario import Policy, Scenario
from sim.model.validation import ScenarioError, build_scenario
from sim.present.report import report
from sim.runs.results import Results
from sim.runs.runner import run
from sim.studies.uncertainty import analyse
from sim.studies.uncertainty import run_experiment as experiment


def calibrate(log, out=None, **options):
    """Fit a scenario from a call log and backtest it: ``sim.calibration.calibrate`` (imported on first use)."""
    from sim.calibration import calibrate as fit

    return fit(log, out, **options)


__all__ = [
    "analyse",
    "calibrate",
    "experiment",
    "Policy",
    "Results",
    "Scenario",
    "ScenarioError",
    "build_scenario",
    "load_scenario",
    "parse_scenario",
    "report",
    "run",
    "scenario_to_yaml",
]
__version__ = "0.1.0"
