"""The cheapest roster that keeps the emergency guarantee: shift scheduling by integer programming, checked by simulation.

``staff`` says how many agents each interval needs; a planner has to turn
that into shifts people can work. Here a *planning file* (``plan_file``)
lists shift templates and the roster is chosen in three steps, one module
each:

1. ``requirement``: agents needed per interval and skill group (Erlang C/A,
   plain or lagged, or the iterative staffing algorithm), for every type's
   targets or the emergency guarantee alone;
2. ``covering``: how many agents start each allowed shift, at minimum cost
   (or, in budget mode, the least emergency-weighted shortfall within a
   budget), by integer programming (``scipy.optimize.milp``, HiGHS);
3. ``repair_loop``: the roster run as a policy on fresh seeds, the
   requirement raised where emergencies missed the guarantee, and the
   covering solved again, until the guarantee holds with confidence
   (``plan_roster``).

The result is a roster in the scenario's own format (``planned_roster``: an
``agents:`` block and a policy using it) that loads straight back, the cover
per interval against the requirement, and the cost against today's roster
and the bot-first policies. A roster's size is ``roster_size``: agent-hours
on duty a week and peak agents on duty, the one unit every output uses.

Their public names are gathered here, so ``sim.studies.planning.plan_roster``
and the like name them whichever module holds them.
"""

from __future__ import annotations

from sim.studies.choices import PLAN_POLICY
from sim.studies.planning.covering import (
    Columns,
    Solution,
    build_columns,
    column_costs,
    cover_matrix,
    duty_cover,
    roster_size,
    shift_wages,
    solve_covering,
)
from sim.studies.planning.plan_file import (
    PlanningError,
    Plan,
    Repair,
    ShiftTemplate,
    default_plan,
    load_plan,
    load_templates,
)
from sim.studies.planning.planned_roster import roster_block, with_planned_policy
from sim.studies.planning.repair_loop import PlanResult, plan_roster
from sim.studies.planning.requirement import (
    Requirement,
    emergency_first_requirement,
    emergency_first_within,
    requirement,
)

__all__ = [
    "PLAN_POLICY", "Columns", "Plan", "PlanResult", "PlanningError", "Repair", "Requirement", "ShiftTemplate",
    "Solution", "build_columns", "column_costs", "cover_matrix", "default_plan", "duty_cover",
    "emergency_first_requirement", "emergency_first_within", "load_plan", "load_templates",
    "plan_roster", "requirement", "roster_block", "roster_size", "shift_wages", "solve_covering",
    "with_planned_policy",
]
