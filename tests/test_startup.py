"""Start-up pays only for what a command uses: which modules ``import sim`` and light commands load.

Each case is a fresh interpreter (the test process has long since imported
everything), started in the repository root so that this checkout's ``sim``
is the one imported. The checks name modules, never seconds: how long an
import takes depends on the machine; whether pandas is imported does not.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 300  # a generous bound on a loaded machine; a healthy case takes about a second

# The libraries that dominate import time (python -X importtime): none of them is needed to import the
# package or to parse the command line.
HEAVY = ("pandas", "scipy", "plotly", "dask", "distributed", "sklearn", "SALib", "pyarrow", "jinja2", "streamlit")

# Runs a statement, then prints the top-level packages it loaded, as JSON on the last line of stdout.
PROBE = """
import json, runpy, sys
{statement}
print(json.dumps(sorted({{name.split('.')[0] for name in sys.modules}})))
"""
CLI = """
sys.argv = ["python -m sim", *{argv!r}]
try:
    runpy.run_module("sim", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    assert exc.code in (0, None), f"exit code {{exc.code}}"
"""


def loaded_by(statement: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement)], cwd=ROOT, capture_output=True, text=True,
        timeout=TIMEOUT_S, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def cli_loads(*argv: str) -> set[str]:
    return loaded_by(CLI.format(argv=list(argv)))


def test_import_sim_loads_no_heavy_library_and_not_even_numpy():
    loaded = loaded_by("import sim")
    assert not loaded & {*HEAVY, "numpy", "pydantic", "simpy", "yaml"}, sorted(loaded & {*HEAVY, "numpy"})


def test_the_public_names_still_import_on_first_use():
    loaded = loaded_by("import sim\nassert callable(sim.run) and callable(sim.report) and sim.Scenario\n"
                       "from sim import load_scenario, ScenarioError")
    assert {"pandas", "pydantic"} <= loaded


def test_the_erlang_calculator_loads_the_erlang_formulas_and_pandas_only():
    loaded = cli_loads("erlang", "--calls-per-hour", "200", "--aht-s", "180", "--agents", "14")
    assert {"numpy", "scipy", "pandas"} <= loaded  # what it uses: the formulas, and the table it prints
    assert not loaded & (set(HEAVY) - {"scipy", "pandas"}) - {"pyarrow"}, sorted(loaded & set(HEAVY))
    assert not loaded & {"pydantic", "simpy", "yaml"}  # no scenario is read, nothing is simulated


@pytest.mark.parametrize("argv", [("--help",), ("report", "--help"), ("roster", "--help")])
def test_help_loads_neither_pandas_nor_the_model(argv):
    loaded = cli_loads(*argv)
    assert not loaded & {*HEAVY, "pydantic", "simpy", "yaml"} - {"scipy"}, sorted(loaded & set(HEAVY))


def test_validate_reads_the_scenario_without_pandas_or_the_presentation():
    loaded = cli_loads("validate", "scenarios/payment_platform.yaml")
    assert {"pydantic", "yaml"} <= loaded
    assert not loaded & {*HEAVY, "simpy"} - {"scipy"}, sorted(loaded & set(HEAVY))
