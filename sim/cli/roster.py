"""``python -m sim roster SCENARIO [--plan FILE] [--method M] [--budget B] --out DIR``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from sim.cli.args import prepare_out
from sim.files.export import provenance_record, write_folder
from sim.present.formatting import fmt_ci, fmt_money, fmt_value
from sim.runs.runner import run
from sim.runs.size_guard import RunTooLarge
from sim.runs.stats import ROUGH_BELOW
from sim.studies.planning import PLAN_POLICY, REQUIREMENT_METHODS, PlanningError, default_plan, load_plan, plan_roster

COMMANDS = ("roster",)


def add_parsers(sub, whole_number) -> None:
    p = sub.add_parser("roster", help="the cheapest roster that keeps the emergency guarantee (integer programming, "
                                      "checked by simulation)")
    p.add_argument("scenario", type=Path)
    p.add_argument("--plan", type=Path, metavar="FILE",
                   help="a planning file: shift templates, limits, requirement method (default: 8-hour shifts "
                        "starting on any half hour)")
    p.add_argument("--policy", metavar="ID", help="plan for this policy's front door (default: the baseline)")
    p.add_argument("--method", choices=REQUIREMENT_METHODS, help="how the requirement per interval is computed")
    p.add_argument("--budget", type=float, metavar="B", help="budget mode: weekly wages at most B")
    p.add_argument("--rounds", type=whole_number(0, "0 or more"), metavar="N", help="simulate-and-repair rounds")
    p.add_argument("--replications", type=whole_number(1, "at least 1"), metavar="N",
                   help="replications per check (and for the final comparison)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR")


def run_command(scenario, args: argparse.Namespace, command_line: str) -> int:
    try:
        if args.plan:
            plan, _ = load_plan(args.plan)
        else:
            plan = default_plan(scenario)
        update = {k: v for k, v in (("policy", args.policy), ("requirement", args.method),
                                    ("budget_per_week", args.budget)) if v is not None}
        repair = {k: v for k, v in (("rounds", args.rounds), ("replications", args.replications)) if v is not None}
        if repair:
            update["repair"] = plan.repair.model_copy(update=repair)
        plan = plan.model_validate({**plan.model_dump(), **{k: (v.model_dump() if hasattr(v, "model_dump") else v)
                                                              for k, v in update.items()}})
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
    block = {"agents": result.agents, "policies": [_policy_entry(result)]}
    roster_yaml = ("# The optimised roster: paste the agents block into a scenario, or use the policy as it is.\n"
                   + yaml.safe_dump(block, sort_keys=False))
    comparison = run(result.scenario, replications=plan.repair.replications, seed=plan.repair.seed)
    compare = comparison.compare()
    record = provenance_record(command_line, scenario, plan=plan.model_dump(mode="json"), holds=result.holds,
                               cost_per_week=result.solution.cost_per_week, gap=result.solution.gap)
    # All the files or none (sim.files.export): an interrupted run leaves the previous folder as it was.
    names = write_folder(out, {"cover": result.cover, "rounds": result.rounds, "compare": compare}, record,
                         scenario.economics.currency, texts={"roster.yaml": roster_yaml})
    print(render_plan(result, comparison, compare))
    print(f"\nwrote {out}/: {', '.join(names)}")
    return 0


def _policy_entry(result) -> dict:
    policy = result.scenario.policy(PLAN_POLICY)
    return policy.model_dump(mode="json", exclude_none=True, exclude_defaults=True) | {"id": PLAN_POLICY}


def render_plan(result, comparison, compare) -> str:
    sc = result.scenario
    currency = sc.economics.currency

    def pct(x: float) -> str:
        return fmt_value(x, "share")
    last = result.rounds.iloc[-1]
    span = "a week" if sc.days == 7 else f"over the {sc.days}-day horizon"

    def wages(row) -> str:
        return f"{fmt_money(row['cost_per_week'] if sc.days == 7 else row['wages_over_horizon'], currency)} {span}"

    lines = [
        f"Roster for {sc.name!r} ({result.requirement.method} requirement, {len(result.rounds)} round(s)):",
        f"  {len(result.agents['shifts'])} shift entries, {last['agent_hours_on_duty']:,.0f} agent-hours on duty "
        f"{span} (breaks out), wages {wages(last)} (solver: {last['status']}, gap {last['gap']:.2%}, "
        f"{last['solve_s']:.1f} s)",
        f"  emergencies within {sc.guarantee_s:g} s: {pct(last['guarantee_share_mean'])} "
        f"(95% CI {fmt_ci(last['guarantee_share_ci_low'], last['guarantee_share_ci_high'], 'share')}) against "
        f"{pct(sc.guarantee_share)}: " + ("holds with confidence" if result.holds else "NOT shown to hold"),
        "",
        "Rounds:",
    ]
    for row in result.rounds.itertuples():
        lines.append(f"  {row.round}: wages {wages(row._asdict())}, guarantee {pct(row.guarantee_share_mean)} "
                     f"(low {pct(row.guarantee_share_ci_low)}) {'holds' if row.holds_with_confidence else 'fails'}")
    net = compare[(compare["metric"].isin(["wages_saved", "net_saving"])) & (compare["contact_type"] == "all")]
    share = compare[(compare["metric"] == "share_within_guarantee") & (compare["contact_type"] == "emergency")]
    lines += ["", f"Against the baseline {comparison._default_baseline()!r} (same customers, "
                  f"{comparison.n_replications} replications):"]
    for policy in comparison.policies:
        mine = net[net["policy"] == policy].set_index("metric")
        emerg = share[share["policy"] == policy]
        if mine.empty:
            continue
        guarantee = f", emergencies within guarantee {pct(emerg['value'].iloc[0])}" if len(emerg) else ""
        lines.append(f"  {policy:<18} wages saved {fmt_money(mine.loc['wages_saved', 'difference'], currency):>14}, "
                     f"net {fmt_money(mine.loc['net_saving', 'difference'], currency):>14}{guarantee}")
    if comparison.n_replications < ROUGH_BELOW:
        lines.append(f"\nnote: {comparison.n_replications} replication(s): every interval above is rough (fewer "
                     f"than {ROUGH_BELOW}); raise --replications")
    return "\n".join(lines)
