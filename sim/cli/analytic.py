"""The analytic subcommands of ``python -m sim``: ``erlang``, ``staff`` and ``breakeven``.

    python -m sim erlang --calls-per-hour 200 --aht-s 180 --agents 14 [--patience-s 300] [--target-s 20]
    python -m sim erlang --calls-per-hour 200 --aht-s 180 --service-level 0.8 [--patience-s 300]
    python -m sim erlang ... --agents 14 --patience-s 300 --lines 20 --redial-probability 0.5 [--redial-delay-s 60]
    python -m sim staff SCENARIO [--policy ID] [--method M ...] [--by pooled|type] [--out DIR]
    python -m sim breakeven SCENARIO [--kind staffing|bot_resolve] [--template ID] [--out DIR]

``sim.cli`` builds the parser and dispatches here; this module parses the
numbers, calls ``sim.analytic.erlang``, ``sim.studies.staffing`` and ``sim.studies.breakeven``, prints
their reports and writes ``--out`` files (CSV tables and ``provenance.json``).
Bad input exits with code 2 and one message naming the argument, never a
traceback: argparse rejects malformed numbers, the model modules reject
values out of their domain (their errors name the parameter, mapped here to
the option).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sim.analytic.erlang import (
    ErlangInputError,
    TargetUnreachable,
    agents_to_schedule,
    erlang_a_metrics,
    erlang_a_servers_needed,
    erlang_c_metrics,
    erlang_c_servers_needed,
    erlang_x_metrics,
)
from sim.cli.args import (
    integer,
    number,
    option_message,
    prepare_out,
    progress_bar,
    run_settings,
    whole_number,
    workers_count,
)
from sim.studies.choices import KINDS, METHODS

# pandas, the studies, the scenario model and the file writer are imported where a command uses them, so
# that ``--help`` loads none of them and ``erlang`` only the Erlang formulas and pandas.
if TYPE_CHECKING:
    import pandas as pd

EXIT_OK, EXIT_BAD_INPUT = 0, 2
SCENARIO_COMMANDS = ("staff", "breakeven")

# ----------------------------------------------------------- argument types


def _values(text: str) -> list[float]:
    parts = [p for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise argparse.ArgumentTypeError("expected comma-separated numbers, e.g. 1,0.9,0.8")
    return [number(p.strip()) for p in parts]


# ------------------------------------------------------------------ parsers


def add_parsers(sub) -> None:
    """Add the erlang, staff and breakeven subcommands to ``sim.cli``'s subparsers."""
    p = sub.add_parser(
        "erlang",
        help="Erlang C/A calculator: service level for N agents, or agents for a service level",
        description="Erlang C (nobody abandons), or Erlang A with --patience-s (exponential patience). "
        "Service level = answered within --target-s over all arrivals.",
    )
    p.add_argument("--calls-per-hour", type=number, required=True, metavar="X", help="arrival rate")
    p.add_argument("--aht-s", type=number, required=True, metavar="S", help="mean handle time (s)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--agents", type=whole_number(0, "0 or more"), metavar="N", help="agents on the phones")
    which.add_argument("--service-level", type=number, metavar="P", help="find the agents needed for this share")
    p.add_argument("--patience-s", type=number, metavar="S", help="mean patience (s): use Erlang A")
    p.add_argument("--lines", type=integer, metavar="L",
                   help="Erlang X: lines (agents plus waiting places); a caller who finds all busy is blocked")
    p.add_argument("--redial-probability", type=number, default=0.0, metavar="R",
                   help="Erlang X: share of blocked or abandoned attempts redialled (default 0)")
    p.add_argument("--redial-delay-s", type=number, metavar="S",
                   help="Erlang X: mean (exponential) delay before a redial: solves the exact chain; without it, "
                        "the fixed point, which treats redials as fresh calls and understates blocking at short "
                        "delays")
    p.add_argument(
        "--target-s", type=number, default=20.0, metavar="S", help="service-level target (default 20)"
    )
    p.add_argument("--max-agents", type=integer, default=5000, metavar="N", help="search limit (default 5000)")
    p.add_argument("--max-occupancy", type=number, metavar="P", help="Erlang C only: cap load/agents")
    p.add_argument("--shrinkage", type=number, metavar="P", help="also show agents to roster")
    p.add_argument("--out", type=Path, metavar="DIR", help="write erlang.csv and provenance.json here")

    p = sub.add_parser(
        "staff",
        help="agents needed per interval (Erlang per interval, lagged, or iterative by simulation) vs the roster",
    )
    p.add_argument("scenario", type=Path)
    p.add_argument("--policy", metavar="ID", help="policy whose roster and settings to use (default: the baseline)")
    p.add_argument(
        "--method", action="append", choices=list(METHODS), metavar="M",
        help=f"repeatable; one of {', '.join(METHODS)} (default: erlang_c and erlang_c_lagged)",
    )
    p.add_argument("--by", choices=("pooled", "type"), default="pooled", help="one pool, or each contact type alone")
    p.add_argument("--target-s", type=number, metavar="S", help="override every target (s)")
    p.add_argument("--service-level", type=number, metavar="P", help="override every service-level share")
    p.add_argument("--max-occupancy", type=number, metavar="P", help="Erlang C only: cap load/agents")
    p.add_argument("--max-agents", type=integer, default=5000, metavar="N", help="per interval (default 5000)")
    p.add_argument("--criterion", choices=("guarantee", "delay"), default="guarantee",
                   help="isa: meet the emergency guarantee (default) or keep P(delay) <= --alpha")
    p.add_argument("--alpha", type=number, default=0.2, metavar="P", help="isa --criterion delay (default 0.2)")
    p.add_argument("--replications", type=integer, metavar="N", help="isa: runs per iteration")
    p.add_argument("--seed", type=integer, metavar="S")
    p.add_argument("--workers", type=workers_count, default=1, metavar="W", help="parallel processes (0: one per core)")
    p.add_argument("--out", type=Path, metavar="DIR", help="write staffing.csv and provenance.json here")

    p = sub.add_parser(
        "breakeven",
        help="deepest cut (or bot deflection) that keeps the emergency guarantee / a positive net saving",
    )
    p.add_argument("scenario", type=Path)
    p.add_argument("--kind", choices=list(KINDS), default="staffing", help="which family (default staffing)")
    p.add_argument("--template", metavar="ID", help="policy the family is built on (default: the baseline)")
    p.add_argument(
        "--values", type=_values, metavar="LIST",
        help="coarse grid, e.g. 1,0.8,0.6 (default: staffing 1 to 0 by 0.1; bot 1 to saturation)",
    )
    p.add_argument("--resolution", type=number, metavar="R", help="refine brackets to this width")
    p.add_argument("--confidence", type=number, default=0.95, metavar="P", help="default 0.95")
    p.add_argument("--replications", type=integer, metavar="N")
    p.add_argument("--seed", type=integer, metavar="S")
    p.add_argument("--workers", type=workers_count, default=1, metavar="W", help="parallel processes (0: one per core)")
    p.add_argument("--out", type=Path, metavar="DIR", help="write breakeven CSVs and provenance.json here")


# ----------------------------------------------------------------- helpers


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _write(out: Path, tables: dict[str, pd.DataFrame], provenance: dict) -> None:
    """All the files or none: the folder is filled beside ``out`` and renamed into place (sim.files.export)."""
    from sim.files.export import write_folder

    names = write_folder(out, {name.removesuffix(".csv"): t for name, t in tables.items()}, provenance,
                         provenance.get("currency"))
    print(f"\nwrote {out}/: {', '.join(names)}")


# ------------------------------------------------------------------ erlang


def run_erlang(args, command_line: str) -> int:
    import pandas as pd

    problem = prepare_out(args.out)
    if problem:
        return _fail(problem)
    lam = args.calls_per_hour / 3600.0
    aht, t = args.aht_s, args.target_s
    patience = args.patience_s
    load = lam * aht
    erlang_x = args.lines is not None or args.redial_probability > 0 or args.redial_delay_s is not None
    model = "Erlang A (M/M/N+M)" if patience is not None else "Erlang C (M/M/N)"
    if erlang_x:
        if patience is None or args.agents is None:
            return _fail("--lines/--redial-probability/--redial-delay-s: Erlang X needs --patience-s and "
                         "--agents (it describes a given number of agents)")
        if args.lines is not None and args.lines < args.agents:
            return _fail(f"--lines: {args.lines} lines cannot hold {args.agents} agents' calls; give at least "
                         f"{args.agents}")
        model = "Erlang X (M/M/N/L+M with redials)"
    if patience is None and args.max_occupancy is None and args.agents is not None and load >= args.agents:
        return _fail(
            f"--agents: offered load {load:.4g} Erlangs >= {args.agents} agents: without abandonment the queue "
            "grows without bound, so Erlang C has no steady state; give more --agents, or --patience-s for "
            "Erlang A (callers who hang up)"
        )
    if patience is not None and args.max_occupancy is not None:
        return _fail("--max-occupancy: applies to Erlang C only (drop --patience-s or --max-occupancy)")
    try:
        if args.agents is not None:
            focus = args.agents
        elif patience is None:
            focus = erlang_c_servers_needed(
                lam, aht, t, args.service_level, max_servers=args.max_agents, max_occupancy=args.max_occupancy
            ).servers
        else:
            focus = erlang_a_servers_needed(
                lam, aht, patience, t, args.service_level, max_servers=args.max_agents
            ).servers
        rows = []
        low = max(0 if patience is not None else int(math.floor(load)) + 1, focus - 2)
        for n in range(low, focus + 3):
            if erlang_x and args.lines is not None and n > args.lines:
                break
            rows.append(_erlang_x_row(lam, aht, patience, n, t, args.lines, args.redial_probability,
                                      args.redial_delay_s) if erlang_x else _erlang_row(lam, aht, patience, n, t))
        table = pd.DataFrame(rows)
        if args.shrinkage is not None:
            table["agents_to_roster"] = [agents_to_schedule(n, args.shrinkage) for n in table["agents"]]
    except TargetUnreachable:
        return _fail(
            f"--service-level: {100 * args.service_level:g}% within {t:g} s cannot be met with at most "
            f"{args.max_agents} agents (offered load {load:.4g} Erlangs); raise --max-agents or lower the target"
        )
    except ErlangInputError as exc:
        return _fail(option_message(exc, _ERLANG_OPTIONS, args))
    print(_render_erlang(table, args, model, load, focus))
    if args.out:
        from sim.files.export import provenance_record

        _write(
            args.out,
            {"erlang.csv": table},
            provenance_record(
                command_line,
                model=model,
                inputs={
                    "calls_per_hour": args.calls_per_hour,
                    "aht_s": aht,
                    "patience_s": patience,
                    "lines": args.lines,
                    "redial_probability": args.redial_probability,
                    "redial_delay_s": args.redial_delay_s,
                    "target_s": t,
                    "agents": args.agents,
                    "service_level": args.service_level,
                    "max_agents": args.max_agents,
                    "max_occupancy": args.max_occupancy,
                    "shrinkage": args.shrinkage,
                },
                agents_shown=int(focus),
            ),
        )
    return EXIT_OK


def _erlang_row(lam, aht, patience, n, t) -> dict:
    if patience is None:
        r = erlang_c_metrics(lam, aht, n, t)
        return {
            "agents": n, "load_erlangs": r.load_erlangs, "p_wait": r.p_wait, "asa_s": r.asa_s,
            "service_level": r.service_level, "occupancy": r.occupancy,
        }
    r = erlang_a_metrics(lam, aht, patience, n, t)
    return {
        "agents": n, "load_erlangs": r.load_erlangs, "p_wait": r.p_wait, "p_abandon": r.p_abandon,
        "mean_wait_s": r.mean_wait_s, "asa_s": r.mean_wait_answered_s, "service_level": r.answered_within_target,
        "occupancy": r.occupancy,
    }


def _erlang_x_row(lam, aht, patience, n, t, lines, redial, redial_delay_s) -> dict:
    r = erlang_x_metrics(lam, aht, patience, n, lines=lines, redial_probability=redial, target_s=t,
                         redial_delay_s=redial_delay_s)
    q = r.queue  # per attempt: fresh calls and redials together
    row = {
        "agents": n, "method": r.method, "load_erlangs": q.load_erlangs, "attempts_per_hour": r.total_rate_per_s * 3600,
        "p_wait": q.p_wait, "p_abandon": q.p_abandon, "p_block": r.p_block, "p_lost": r.p_lost,
        "mean_wait_s": q.mean_wait_s, "asa_s": q.mean_wait_answered_s, "service_level": q.answered_within_target,
        "occupancy": q.occupancy,
    }
    if r.fixed_point is not None:  # the approximation beside the exact answer, so its error shows
        row["p_block_fixed_point"] = r.fixed_point.p_block
        row["p_lost_fixed_point"] = r.fixed_point.p_lost
    return row


def _render_erlang(table: pd.DataFrame, args, model: str, load: float, focus: int) -> str:
    import pandas as pd

    head = [
        f"{model}: {args.calls_per_hour:g} calls per hour, mean handle time {args.aht_s:g} s"
        + (f", mean patience {args.patience_s:g} s" if args.patience_s else "")
        + f" -> offered load {load:.4g} Erlangs",
        f"service level = answered within {args.target_s:g} s over all arrivals"
        + ("; ASA = mean wait of answered calls; mean wait includes those who hung up" if args.patience_s else
           "; ASA = mean wait over all calls"),
    ]
    if args.service_level is not None:
        head.append(f"needed for {100 * args.service_level:g}% within {args.target_s:g} s: {focus} agents"
                    + (f" (occupancy at most {100 * args.max_occupancy:g}%)" if args.max_occupancy else ""))
    if "p_block" in table:
        head.append(
            f"Erlang X: {args.lines if args.lines is not None else 'unlimited'} lines, "
            f"{100 * args.redial_probability:g}% of blocked or abandoned attempts redialled; P(wait), abandon, "
            "blocked and SL are per attempt (redials included), lost is per call"
        )
        head.extend(_erlang_x_method_lines(table, args))
    shown = pd.DataFrame({"agents": table["agents"]})
    if "attempts_per_hour" in table:
        shown["attempts/h"] = table["attempts_per_hour"].map(lambda v: f"{v:,.1f}")
    shown["P(wait)"] = table["p_wait"].map(lambda v: f"{100 * v:.1f}%")
    if "p_block" in table:
        shown["blocked"] = table["p_block"].map(lambda v: f"{100 * v:.2f}%")
        shown["lost"] = table["p_lost"].map(lambda v: f"{100 * v:.2f}%")
    if "p_block_fixed_point" in table:
        shown["blocked, fixed pt"] = [_with_error(f, e) for f, e in zip(table["p_block_fixed_point"], table["p_block"])]
        shown["lost, fixed pt"] = [_with_error(f, e) for f, e in zip(table["p_lost_fixed_point"], table["p_lost"])]
    if "p_abandon" in table:
        shown["abandon"] = table["p_abandon"].map(lambda v: f"{100 * v:.2f}%")
        shown["mean wait s"] = table["mean_wait_s"].map(lambda v: f"{v:.1f}")
    shown["ASA s"] = table["asa_s"].map(lambda v: "–" if pd.isna(v) else f"{v:.1f}")
    shown[f"SL({args.target_s:g} s)"] = table["service_level"].map(lambda v: f"{100 * v:.1f}%")
    shown["occupancy"] = table["occupancy"].map(lambda v: f"{100 * v:.1f}%")
    if "agents_to_roster" in table:
        shown[f"roster at {100 * args.shrinkage:g}% shrinkage"] = table["agents_to_roster"]
    shown[""] = ["<" if n == focus else "" for n in table["agents"]]
    return "\n".join(head) + "\n\n" + shown.to_string(index=False)


def _with_error(approximate: float, exact: float) -> str:
    if approximate is None or math.isnan(approximate):  # no pandas here: the calculator loads it only to write
        return "–"
    percent = round(100 * (approximate / exact - 1)) if exact > 0 else None
    error = "" if percent is None else f" ({percent:+d}%)" if percent else " (0%)"
    return f"{100 * approximate:.2f}%{error}"


def _erlang_x_method_lines(table: pd.DataFrame, args) -> list[str]:
    """How the Erlang X figures were obtained, and how far the fixed point is to be trusted."""
    if args.redial_probability == 0:
        return []
    exact = table["method"] == "exact chain"
    if exact.all():
        return [f"exact chain (redial delays exponential, mean {args.redial_delay_s:g} s); the fixed point, which "
                "treats redials as fresh calls, is shown beside it with its error"]
    lines = []
    if args.redial_delay_s is not None:
        lines.append(f"the exact chain is too large to solve for {', '.join(map(str, table['agents'][~exact]))} "
                     "agents: those rows are the fixed point")
    lines.append("fixed point: redials treated as fresh Poisson calls, the limit of long redial delays. It "
                 "understates blocking at short ones (200 calls/h, 180 s, patience 300 s, 14 agents, 20 lines, "
                 "50% redial: P(block) -41% at a 60-s delay, -20% at 5 min, -4.5% at 30 min)"
                 + ("; give --redial-delay-s for the exact chain" if args.redial_delay_s is None else ""))
    return lines


# ------------------------------------------------------------------- staff


_STAFF_OPTIONS = {
    "policy": "--policy", "method": "--method", "target_s": "--target-s", "service_level": "--service-level",
    "max_agents": "--max-agents", "alpha": "--alpha", "criterion": "--criterion", "replications": "--replications",
    "max_occupancy": "--max-occupancy",
}
# The Erlang formulas' arguments, as the erlang command's options set them.
_ERLANG_OPTIONS = {
    "arrival_rate_per_s": "--calls-per-hour", "mean_service_s": "--aht-s", "mean_patience_s": "--patience-s",
    "target_s": "--target-s", "service_level": "--service-level", "max_servers": "--max-agents",
    "max_occupancy": "--max-occupancy", "lines": "--lines", "redial_probability": "--redial-probability",
    "redial_delay_s": "--redial-delay-s",
    "shrinkage": "--shrinkage",
}
_BREAKEVEN_OPTIONS = {
    "kind": "--kind", "template": "--template", "values": "--values", "replications": "--replications",
    "confidence": "--confidence", "resolution": "--resolution",
}


def run_command(scenario, args, command_line: str) -> int:
    """``staff`` or ``breakeven`` on a loaded scenario."""
    settings, problem = run_settings(args)
    if problem:
        return _fail(problem)
    settings = settings.for_scenario(scenario)
    option, wanted = ("--policy", args.policy) if args.command == "staff" else ("--template", args.template)
    problem = scenario.unknown_policies([wanted]) if wanted is not None else None
    if problem:
        return _fail(f"{option}: {problem}")
    problem = prepare_out(args.out)
    if problem:
        return _fail(problem)
    if args.command == "staff":
        return _staff(scenario, args, settings, command_line)
    return _breakeven(scenario, args, settings, command_line)


def _staff(scenario, args, settings, command_line: str) -> int:
    from sim.files.export import provenance_record
    from sim.present.studies import render_staffing
    from sim.studies.staffing import METHODS, POOLED, StaffingError, staffing_requirements

    methods = list(dict.fromkeys(args.method or ["erlang_c", "erlang_c_lagged"]))

    def report(record: dict) -> None:
        share = record["share_within_guarantee"]
        text = f"isa iteration {record['iteration']}: {record['agent_hours']:,.0f} agent-hours, "
        text += f"{record['changed_intervals']} intervals to change"
        if args.criterion == "guarantee" and not math.isnan(share):
            text += f", emergencies within {scenario.guarantee_s:g} s: {100 * share:.1f}%"
        print(text, file=sys.stderr)

    try:
        table, isa = staffing_requirements(
            scenario,
            args.policy,
            methods=methods,
            by=args.by,
            target_s=args.target_s,
            service_level=args.service_level,
            max_occupancy=args.max_occupancy,
            max_agents=args.max_agents,
            settings=settings,
            isa_options={
                "criterion": args.criterion,
                "alpha": args.alpha,
                "on_iteration": report,
            },
        )
    except StaffingError as exc:
        return _fail(option_message(exc, _STAFF_OPTIONS))
    print(render_staffing(table, scenario, isa, method_words=METHODS, pooled=POOLED))
    if args.out:
        tables = {"staffing.csv": table}
        extra = {"policy": table.attrs.get("policy"), "methods": methods, "by": args.by,
                 "target_s": args.target_s, "service_level": args.service_level}
        if isa is not None:
            tables["isa_iterations.csv"] = isa.iterations
            extra["isa"] = {
                "criterion": isa.criterion, "alpha": args.alpha if isa.criterion == "delay" else None,
                "replications": isa.replications, "seed": isa.seed, "converged": isa.converged,
                "final_failure_allowance": isa.epsilon, "share_within_guarantee": isa.share_mean,
                "share_ci": [isa.share_ci_low, isa.share_ci_high], "notes": isa.notes,
            }
        _write(args.out, tables, provenance_record(command_line, scenario, **extra))
    return EXIT_OK


# --------------------------------------------------------------- breakeven


def _breakeven(scenario, args, settings, command_line: str) -> int:
    from sim.files.export import provenance_record
    from sim.present.studies import render_breakeven
    from sim.studies.breakeven import BreakEvenError, breakeven, share_meaning, what

    with progress_bar() as update:
        try:
            result = breakeven(
                scenario,
                kind=args.kind,
                template=args.template,
                values=args.values,
                settings=settings.replace(progress=update),
                resolution=args.resolution,
            )
        except BreakEvenError as exc:
            return _fail(option_message(exc, _BREAKEVEN_OPTIONS))
    print(render_breakeven(result, scenario, varied=what(result.kind),
                           meaning=share_meaning(scenario, result.template) if result.kind == "staffing" else ""))
    if args.out:
        findings = {
            name: {k: getattr(f, k) for k in f.__dataclass_fields__} for name, f in result.findings.items()
        }
        _write(
            args.out,
            {
                "breakeven.csv": result.members,
                "breakeven_findings.csv": result.findings_table(),
                "breakeven_runs.csv": result.runs,
            },
            provenance_record(
                command_line,
                scenario,
                kind=result.kind,
                template=result.template,
                baseline=result.baseline,
                replications=result.replications,
                seed=result.seed,
                confidence=result.confidence,
                resolution=result.resolution,
                findings=findings,
                violations=result.violations,
                assumptions=result.assumptions,
            ),
        )
    return EXIT_OK
