"""Experiments over uncertain inputs: which assumptions flip the verdict, and where.

An analyst's verdict ("bot-first saves money", "it costs victims more than
it saves") rests on inputs nobody knows well: how fast stolen money drains,
the bot's true resolve rate, how many victims find the human option, the
liability share. An *experiment* varies such inputs (factors) over a design
— full factorial, one at a time, Latin hypercube, Sobol (Saltelli) or
Morris, sampled with SALib — simulates every point, and asks which factors
move the net effect and the emergency guarantee, and which ranges flip them.

- ``spec``: the experiment file (one pydantic model) and factor paths into
  the scenario addressed by ids (``contact_types[fraud].loss.half_life_min``).
- ``designs``: the points of each design.
- ``store``: runs keyed, written to a Parquet dataset batch by batch
  (temporary name, then rename), resumable after a kill.
- ``execute``: the same tasks in this process, on local cores or on a Dask
  cluster, with identical results.
- ``analysis``: tornado, Morris, Sobol and the verdict map, as tidy tables.
"""

from sim.studies.uncertainty.analysis import analyse
from sim.studies.uncertainty.execute import run_experiment
from sim.studies.uncertainty.spec import ExperimentError, ExperimentSpec, load_experiment

__all__ = ["ExperimentError", "ExperimentSpec", "analyse", "load_experiment", "run_experiment"]
