"""Start-up pays only for what a command uses: which modules ``import sim`` and light commands load.

Each case is a fresh interpreter (the test process has long since imported
everything), started in the repository root so that this checkout's ``sim``
is the one imported. The checks name modules, never seconds: how long an
import takes depends on the machine; whether pandas is imported does not.

The same tools check a layer: the presentation (``sim/present``) formats and
draws what the studies computed and imports nothing above it.
"""

from __future__ import annotations

import ast
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


# ----------------------------------------------------------------- layers

PRESENT = ROOT / "sim" / "present"
# What presentation may import of humanline: the model's types and words, the one input-problem type, itself.
# sim.version is loaded by the package itself (sim/__init__.py), not by anything in sim/present.
PRESENT_MAY_IMPORT = ("sim.model", "sim.errors", "sim.present", "sim.version")


def _humanline_imports(source: str, package: str) -> list[tuple[int, str]]:
    """(line, module) of every import of ``sim`` in a module of ``package``: at the top, inside functions, under
    TYPE_CHECKING, relative or absolute."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            # "from sim import x" names the package itself; "from sim.present import charts" a module of it
            found.append((node.lineno, ".".join(x for x in (base, node.module) if x)))
    return [(line, name) for line, name in found if name == "sim" or name.startswith("sim.")]


def test_presentation_imports_nothing_above_it():
    files = sorted(PRESENT.rglob("*.py"))
    assert len(files) >= 8, files  # every module of the package is walked
    above = [f"{path.relative_to(ROOT)}:{line}: {name}" for path in files
             for line, name in _humanline_imports(path.read_text(encoding="utf-8"), "sim.present")
             if not any(name == allowed or name.startswith(allowed + ".") for allowed in PRESENT_MAY_IMPORT)]
    assert above == [], "sim/present imports above it:\n" + "\n".join(above)


def test_the_walk_sees_the_imports_a_module_could_hide():
    source = ("from typing import TYPE_CHECKING\nfrom sim import __version__\nfrom . import charts\n"
              "if TYPE_CHECKING:\n    from sim.runs.results import Results\n"
              "def f():\n    from ..studies import evidence\n    import sim.files.export\n")
    assert [name for _, name in _humanline_imports(source, "sim.present")] == [
        "sim", "sim.present", "sim.runs.results", "sim.studies", "sim.files.export"]


def test_loading_the_presentation_loads_no_run_study_or_file_module():
    statement = ("import importlib, pkgutil, sim.present\n"
                 "for m in pkgutil.iter_modules(sim.present.__path__):\n"
                 "    importlib.import_module('sim.present.' + m.name)\n"
                 "print(json.dumps(sorted(n for n in sys.modules if n.startswith('sim.'))))")
    done = subprocess.run([sys.executable, "-c", "import json, sys\n" + statement], cwd=ROOT, capture_output=True,
                          text=True, timeout=TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "sim.present.report" in loaded
    assert [n for n in loaded if not n.startswith(PRESENT_MAY_IMPORT)] == []
