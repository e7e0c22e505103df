"""The classroom: one queue next to its formulas, one simulated day replayed, the knee, exercises.

Everything the Classroom page shows is computed here, from the model's own
runs — there is no second, simplified model for teaching. One module per
thing the page teaches:

- ``playground``: the playground queue (M/M/c or M/M/c+M) beside the Erlang C
  or A formulas (``classroom_scenario``, ``formulas_vs_simulation``);
- ``day_replay``: one replication of any scenario and policy as frames for an
  animation (``replay``);
- ``erlang_curves``: the playground queue for a range of agent counts on
  common random numbers, and the knee (``erlang_sweep``, ``knee``);
- ``replications_demo``: a precision target on the playground queue, and the
  interval after each n of its replications;
- ``exercises``: exercise files and the rule that judges an answer
  (``load_exercise``, ``check_answer``).

Their public names are gathered here, so ``sim.studies.classroom.replay`` and
the like name them whichever module holds them.
"""

from __future__ import annotations

from sim.studies.classroom.day_replay import (
    DEFAULT_MAX_FRAMES,
    FRAME_STEPS_S,
    Level,
    Replay,
    frame_step_s,
    replay,
    replicate_one,
)
from sim.studies.classroom.erlang_curves import (
    SWEEP_METRICS,
    Knee,
    Sweep,
    erlang_sweep,
    knee,
    sweep_servers,
    with_headcounts,
)
from sim.studies.classroom.exercises import (
    HIGHER_IS_BETTER,
    METRIC_LABELS,
    Check,
    Exercise,
    ExerciseError,
    check_answer,
    load_exercise,
)
from sim.studies.classroom.playground import (
    REPLICATIONS,
    SEED,
    Classroom,
    classroom_scenario,
    formulas,
    formulas_vs_simulation,
    queue_of,
)
from sim.studies.classroom.replications_demo import DEMO_SETTINGS, ReplicationsDemo, replications_demo

__all__ = [
    "DEFAULT_MAX_FRAMES", "DEMO_SETTINGS", "FRAME_STEPS_S", "HIGHER_IS_BETTER", "METRIC_LABELS", "REPLICATIONS",
    "SEED", "SWEEP_METRICS", "Check", "Classroom", "Exercise", "ExerciseError", "Knee", "Level", "Replay",
    "ReplicationsDemo", "Sweep", "check_answer", "classroom_scenario", "erlang_sweep", "formulas",
    "formulas_vs_simulation", "frame_step_s", "knee", "load_exercise", "queue_of", "replay", "replicate_one",
    "replications_demo", "sweep_servers", "with_headcounts",
]
