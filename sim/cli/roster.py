"""``python -m sim roster SCENARIO [--plan FILE] [--method M] [--budget B] --out DIR`` and
``python -m sim guarantee SCENARIO [--plan FILE] [--out DIR]``: what the emergency guarantee costs and prevents."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.args import prepare_out, progress_bar, run_settings, workers_count
from sim.present.formatting import fmt_ci, fmt_difference, fmt_money, fmt_value
from sim.studies.choices import PLAN_POLICY, REQUIREMENT_METHODS

# The planner, the runner and the file writer are imported when the command runs, not when the
# command line is parsed (sim.cli: a command that does not plan does not load them).

COMMANDS = ("roster", "guarantee")


def add_parsers(sub, whole_number) -> None:
    p = sub.add_parser("roster", help="the cheapest roster that keeps the emergency guarantee (integer programming, "
                                      "checked by simulation)")
    g = sub.add_parser("guarantee", help="what the emergency guarantee costs and what it prevents: the cheapest "
                                         "roster keeping it against every policy, with intervals")
    for q in (p, g):
        q.add_argument("scenario", type=Path)
        q.add_argument("--plan", type=Path, metavar="FILE",
                       help="a planning file: shift templates, limits, requirement method (default: 8-hour shifts "
                            "starting on any half hour)")
        q.add_argument("--policy", metavar="ID", help="plan for this policy's front door (default: the baseline)")
        q.add_argument("--method", choices=REQUIREMENT_METHODS, help="how the requirement per interval is computed")
        q.add_argument("--requirement-for", choices=("every_type", "emergency"), dest="requirement_for",
                       help="whose targets the requirement meets: every contact type's service level (roster's "
                            "default) or the emergency types' alone (guarantee's default)")
        q.add_argument("--rounds", type=whole_number(0, "0 or more"), metavar="N", help="simulate-and-repair rounds")
    p.add_argument("--budget", type=float, metavar="B", help="budget mode: weekly wages at most B")
    p.add_argument("--replications", type=whole_number(1, "at least 1"), metavar="N",
                   help="replications per check (and for the final comparison)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR")
    g.add_argument("--replications", type=whole_number(1, "at least 1"), metavar="N",
                   help="replications of the comparison (default: the scenario's)")
    g.add_argument("--seed", type=whole_number(0, "0 or more"), metavar="S",
                   help="seed of the comparison (default: the scenario's)")
    g.add_argument("--workers", type=workers_count, default=1, metavar="W", help="parallel processes (0: one per core)")
    g.add_argument("--out", type=Path, metavar="DIR", help="write guarantee.csv, the roster and provenance here")


def _plan(scenario, args, requirement_for: str):
    from sim.studies.planning import default_plan, load_plan

    plan = load_plan(args.plan)[0] if args.plan else default_plan(scenario)
    update = {k: v for k, v in (("policy", args.policy), ("requirement", args.method),
                                ("budget_per_week", getattr(args, "budget", None)),
                                # the command's default, unless the option or the plan file says otherwise
                                ("requirement_for", args.requirement_for or (
                                    None if "requirement_for" in plan.model_fields_set else requirement_for)))
              if v is not None}
    repair = {k: v for k, v in (("rounds", args.rounds),
                                ("replications", args.replications if args.command == "roster" else None))
              if v is not None}
    if repair:
        update["repair"] = plan.repair.model_copy(update=repair)
    return plan.model_validate({**plan.model_dump(), **{k: (v.model_dump() if hasattr(v, "model_dump") else v)
                                                          for k, v in update.items()}})


def run_command(scenario, args: argparse.Namespace, command_line: str) -> int:
    if args.command == "guarantee":
        return _guarantee(scenario, args, command_line)
    from sim.files.export import provenance_record, write_folder
    from sim.runs.runner import run
    from sim.runs.settings import RunSettings
    from sim.runs.size_guard import RunTooLarge
    from sim.studies.planning import PlanningError, plan_roster

    try:
        plan = _plan(scenario, args, "every_type")
        problem = prepare_out(args.out)  # a bad --out fails now, not after minutes of planning
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
        result = plan_roster(scenario, plan)
    except PlanningError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RunTooLarge as exc:  # the repair rounds' runs: roster has no --allow-large
        print(f"error: {exc.message(None)}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a plan option out of its bounds (pydantic)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = args.out
    # The final comparison meets the scenario's own customers (its seed), so a policy's figures here are those
    # `compare` prints at the same replications; the repair rounds ran on fresh seeds of their own.
    comparison = run(result.scenario, settings=RunSettings(replications=plan.repair.replications, seed=scenario.seed))
    compare = comparison.compare()
    record = provenance_record(command_line, scenario, plan=plan.model_dump(mode="json"), holds=result.holds,
                               cost_per_week=result.solution.cost_per_week, gap=result.solution.gap,
                               requirement=result.requirement.describe(scenario),
                               comparison_seed=comparison.seed, comparison_replications=comparison.n_replications)
    # All the files or none (sim.files.export): an interrupted run leaves the previous folder as it was.
    names = write_folder(out, {"cover": result.cover, "rounds": result.rounds, "compare": compare}, record,
                         scenario.economics.currency, texts={"roster.yaml": roster_yaml(result)})
    print(render_plan(result, comparison, compare, plan))
    print(f"\nwrote {out}/: {', '.join(names)}")
    return 0


def roster_yaml(result) -> str:
    """The roster file: an ``agents:`` block a scenario takes as it is (absence included) and the policy using it."""
    from sim.files.scenario_io import dump_yaml

    agents = result.scenario.policy(PLAN_POLICY).agents
    block = {"agents": {**result.agents, "absence_probability": agents.absence_probability},
             "policies": [_policy_entry(result)]}
    return ("# The optimised roster: paste the agents block into a scenario, or use the policy as it is.\n"
            + dump_yaml(block))


def _policy_entry(result) -> dict:
    policy = result.scenario.policy(PLAN_POLICY)
    return policy.model_dump(mode="json", exclude_none=True, exclude_defaults=True) | {"id": PLAN_POLICY}


def render_plan(result, comparison, compare, plan) -> str:
    from sim.present.studies import roster_size_words
    from sim.runs.stats import ROUGH_BELOW

    sc = result.scenario
    currency = sc.economics.currency

    def pct(x: float) -> str:
        return fmt_value(x, "share")
    last = result.rounds.iloc[-1]
    span = "a week" if sc.days == 7 else f"over the {sc.days}-day horizon"

    def wages(row) -> str:
        return f"{fmt_money(row['cost_per_week'] if sc.days == 7 else row['wages_over_horizon'], currency)} {span}"

    lines = [
        f"Roster for {sc.name!r} ({len(result.rounds)} round(s)):",
        f"  requirement: {result.requirement.describe(sc)}",
        f"  {roster_size_words(last['agent_hours_per_week'], last['peak_agents_on_duty'])}; wages {wages(last)} "
        f"(solver: {last['status']}, gap {last['gap']:.2%}, {last['solve_s']:.1f} s)",
        f"  emergencies within {sc.guarantee_s:g} s: {pct(last['guarantee_share_mean'])} "
        f"(95% CI {fmt_ci(last['guarantee_share_ci_low'], last['guarantee_share_ci_high'], 'share')}) against "
        f"{pct(sc.guarantee_share)}: " + ("holds with confidence" if result.holds else "NOT shown to hold"),
        "",
        f"Rounds ({plan.repair.replications} replications each, fresh seeds from {plan.repair.seed + 1000}):",
    ]
    for row in result.rounds.itertuples():
        lines.append(f"  {row.round}: wages {wages(row._asdict())}, guarantee {pct(row.guarantee_share_mean)} "
                     f"(low {pct(row.guarantee_share_ci_low)}) {'holds' if row.holds_with_confidence else 'fails'}")
    net = compare[(compare["metric"].isin(["wages_saved", "net_saving"])) & (compare["contact_type"] == "all")]
    share = compare[(compare["metric"] == "share_within_guarantee") & (compare["contact_type"] == "emergency")]
    lines += ["", f"Against the baseline {comparison.default_baseline()!r} (same customers: "
                  f"{comparison.n_replications} replications, seed {comparison.seed}, the scenario's seed; "
                  f"`compare` with --replications {comparison.n_replications} prints the same figures):"]
    for policy in comparison.policies:
        mine = net[net["policy"] == policy].set_index("metric")
        emerg = share[share["policy"] == policy]
        if mine.empty:
            continue
        guarantee = ""
        if len(emerg):
            g = emerg.iloc[0]
            guarantee = (f", emergencies within guarantee {pct(g['value'])}"
                         + (f" ({fmt_difference(g['difference'], 'share')})"
                            if policy != comparison.default_baseline() else ""))
        lines.append(f"  {policy:<18} wages saved {fmt_money(mine.loc['wages_saved', 'difference'], currency):>14}, "
                     f"net {fmt_money(mine.loc['net_saving', 'difference'], currency):>14}{guarantee}")
    if comparison.n_replications < ROUGH_BELOW:
        lines.append(f"\nnote: {comparison.n_replications} replication(s): every interval above is rough (fewer "
                     f"than {ROUGH_BELOW}); raise --replications")
    return "\n".join(lines)


def _guarantee(scenario, args, command_line: str) -> int:
    from sim.files.export import OutputFolderError, provenance_record, write_folder
    from sim.present.studies import render_guarantee
    from sim.runs.size_guard import RunTooLarge
    from sim.runs.stats import ROUGH_BELOW
    from sim.studies.guarantee import MEASURES, guarantee_study
    from sim.studies.planning import PLAN_POLICY, PlanningError
    from sim.studies.staffing import StaffingError

    settings, problem = run_settings(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if not any(c.emergency for c in scenario.contact_types):
        print("error: the scenario has no emergency contact type, so there is no guarantee to cost; mark the "
              "emergency types with emergency: true", file=sys.stderr)
        return 2
    try:
        plan = _plan(scenario, args, "emergency")
        problem = prepare_out(args.out) if args.out else None
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
        with progress_bar() as progress:
            study = guarantee_study(scenario, plan, settings=settings.replace(progress=progress))
    except (PlanningError, StaffingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RunTooLarge as exc:  # the planning and comparison runs: guarantee has no --allow-large
        print(f"error: {exc.message(None)}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(render_guarantee(study, measures=MEASURES, planned_policy=PLAN_POLICY, rough_below=ROUGH_BELOW))
    if args.out:
        record = provenance_record(command_line, scenario, plan=plan.model_dump(mode="json"),
                                   requirement=study.requirement, holds=study.plan.holds,
                                   seed=study.results.seed, replications=study.results.n_replications)
        try:
            names = write_folder(args.out, {"guarantee": study.table, "guarantee_policies": study.policies,
                                            "rounds": study.plan.rounds}, record, scenario.economics.currency,
                                 texts={"roster.yaml": roster_yaml(study.plan)})
        except OutputFolderError as exc:
            print(f"error: --out: {exc}; nothing was written", file=sys.stderr)
            return 2
        print(f"\nwrote {args.out}/: {', '.join(names)}")
    return 0
