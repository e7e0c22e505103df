"""The evidence report: one self-contained HTML file a policy analyst can attach to an email.

``render_report(evidence)`` renders what ``sim.studies.evidence.gather_evidence``
computed — the comparison of every policy, the cost-of-cutting frontier, the
validation record, the ContactCenters part of the agreement table, the loss
curves' points and section 5's experiment — with the Jinja2 templates in
``sim/present/templates``. It computes no figure and touches no file: the
command line (``sim.cli.report``) and the app gather the evidence and write
the page.

The sections: 1 the question and a verdict per policy, every number of
which is a figure of ``Results.compare()``; 2 the assumptions (every
parameter that differs from the schema default, with its source note, the
edits made in the app apart); 3 the method and the validation record; 4 the
results (the tables of the CSV exports, the charts of the app); 5 what could
change the verdict; 6 limitations; 7 how to reproduce it, the scenario file
embedded.

The file opens offline: Plotly's JavaScript is embedded once, the scenario
rides along as a ``data:`` link, nothing is fetched. Every number goes
through ``sim.present.formatting``; the currency is the scenario's.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from sim.model import knobs, measures
from sim.model.loss_catalogue import CATALOGUE
from sim.model.loss_curves import named_curve
from sim.model.scenario import Scenario
from sim.present import charts
from sim.present.agreement import report_section as agreement_section
from sim.present.formatting import difference_kind, fmt_ci, fmt_estimate, fmt_money, fmt_value, is_missing
from sim.present.loss_charts import curve_points_table, loss_curve_chart, loss_curve_share_lines
from sim.present.tables import SERVICE_COLUMNS, any_policy_has, comparison_table, index_path, parameter_rows, pick
from sim.present.terminal import NET_LABELS, period_phrase

TORNADO_FIGURES = {m: (measures.label(m), measures.kind(m)) for m in ("net_saving", "share_within_guarantee")}
# Parameters that name or describe things rather than assume anything about the world.
_IDENTITY = ("id", "label", "name", "description")


# ------------------------------------------------------------- entry point


def render_report(evidence, *, version: str, base: Scenario | None = None, source: str = "",
                  command: str | None = None) -> str:
    """The report's HTML page of ``evidence`` (``sim.studies.evidence.Evidence``; see the module docstring).

    ``version``: humanline's, as the page states it. ``base``: the scenario as
    loaded, when the evidence is of an edited copy (the app): the differences
    are listed as edits. ``source``: where the scenario came from;
    ``command``: what built the report (default: the ``sim.report`` call).
    """
    scenario, comparison = evidence.scenario, evidence.comparison
    changes = knobs.changes(base, scenario) if base is not None else []
    chart = _Charts()
    compare, summary, policies = comparison.compare, comparison.summary, comparison.policies
    labels = {p.id: p.label or p.id for p in scenario.effective_policies}
    cur = scenario.economics.currency
    baseline = comparison.baseline
    has_emergency = any(c.emergency for c in scenario.contact_types)
    several = len(policies) > 1

    money = []
    if several:
        for view in ("net_saving", "net_saving_platform"):
            fig = charts.savings_chart(compare, policies, labels, baseline, cur, view=view)
            fig.update_layout(title=f"{NET_LABELS[view]}: against {labels.get(baseline, baseline)}, per run")
            money.append(chart(fig))
    ecdf = None
    if has_emergency and len(comparison.incidents):
        never = {r.policy: float(r.mean) for r in summary[(summary.contact_type == "emergency")
                                                          & (summary.metric == "share_unreached")].itertuples()}
        ecdf = chart(charts.ecdf_chart(comparison.incidents, policies, labels, scenario.guarantee_s,
                                       scenario.guarantee_share, never=never))
    yaml_text = evidence.scenario_yaml
    tables = evidence.what_if_tables
    context = {
        "sc": scenario,
        "currency": cur,
        "policies": [{"id": p.id, "label": p.label or p.id, "description": p.description, "baseline": p.id == baseline}
                     for p in scenario.effective_policies if p.id in policies],
        "baseline_label": labels.get(baseline, baseline),
        "has_emergency": has_emergency,
        "emergency_types": [c.label or c.id for c in scenario.contact_types if c.emergency],
        "several": several,
        "period": period_phrase(scenario.days),
        "guarantee_share": fmt_value(scenario.guarantee_share, "share"),
        "verdicts": verdict_paragraphs(comparison, labels),
        "rough": comparison.n_replications < comparison.rough_below,
        "n": comparison.n_replications,
        "seed": comparison.seed,
        "assumptions": _assumptions(scenario, changes, _ranked_inputs(tables)),
        "loss_curves": _loss_curves(evidence, chart),
        "changes": [{"parameter": c["parameter"], "before": _plain(c["before"]), "after": _plain(c["after"])}
                    for c in changes],
        "edited": base is not None,
        "warnings": list(scenario.warnings),
        "precision": comparison.precision,
        "validation": _validation_section(evidence.validation, evidence.validation_z),
        "limitations": _limitations(scenario, policies),
        "agreement": agreement_section(evidence.agreement) if evidence.agreement is not None else None,
        "comparison": _comparison(comparison, labels),
        "money": money,
        "ecdf": ecdf,
        "frontier": _frontier_section(evidence, labels, chart),
        "what_if": _what_if_section(scenario, tables, evidence.what_if, labels, chart),
        "warmup": fmt_value(scenario.warmup_s, "seconds"),
        "version": version,
        "commit": evidence.commit or "not available (not run from a git checkout)",
        "scenario_hash": evidence.scenario_sha256,
        "command": command or _python_call(source, comparison),
        "source": source,
        "built_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "yaml": yaml_text,
        "yaml_href": "data:application/x-yaml;charset=utf-8;base64," + base64.b64encode(yaml_text.encode()).decode(),
        "yaml_name": _slug(scenario.name) + ".yaml",
        "plotly_js": Markup(_plotly_js()),
        "fmt_ci": fmt_ci,
        "fmt_money": fmt_money,
    }
    page = _environment().get_template("report.html.j2").render(**context)
    return page


# ----------------------------------------------------------------- verdict


def _fig(value: float, kind: str, currency: str, **data: str) -> Markup:
    """A number of the verdict, formatted once, tagged with the compare() figure it is (for checks)."""
    attrs = " ".join(f'data-{k}="{html.escape(str(v))}"' for k, v in data.items())
    return Markup(f'<span class="fig" {attrs}>{html.escape(fmt_value(value, kind, currency))}</span>')


def _interval(row: pd.Series, kind: str, currency: str, policy: str, metric: str, scope: str,
              confidence: float, bare: bool = False) -> Markup:
    """'(95% CI low to high)'; ``bare``: without the brackets, for use inside a bracket."""
    if is_missing(row["ci_low"]) or is_missing(row["ci_high"]):
        return Markup("no interval: one replication" if bare else "(no interval: one replication)")
    low = _fig(row["ci_low"], kind, currency, policy=policy, metric=metric, scope=scope, column="ci_low")
    high = _fig(row["ci_high"], kind, currency, policy=policy, metric=metric, scope=scope, column="ci_high")
    text = f"{int(100 * confidence)}% CI {low} to {high}"
    return Markup(text if bare else f"({text})")


def _sign_words(row: pd.Series) -> str:
    lo, hi = row["ci_low"], row["ci_high"]
    if is_missing(lo) or is_missing(hi):
        return "with no interval to judge it by"
    if lo > 0:
        return "a gain: the whole interval is above zero"
    if hi < 0:
        return "a loss: the whole interval is below zero"
    return "the interval spans zero, so the sign is not settled"


def _in_short(society: pd.Series, em: pd.DataFrame, sc: Scenario, has_emergency: bool) -> str:
    """The verdict in words: the sign of society's net effect where its interval settles it, and the guarantee."""
    lo, hi = society["ci_low"], society["ci_high"]
    if not (is_missing(lo) or is_missing(hi)) and lo > 0:
        money = "it saves society money"
    elif not (is_missing(lo) or is_missing(hi)) and hi < 0:
        money = "it costs society money"
    else:
        money = "whether it saves society money is not settled"
    if not has_emergency or "share_within_guarantee" not in em.index:
        return money
    meets = em.loc["share_within_guarantee", "value"] >= sc.guarantee_share
    return f"{money}, and on the mean it {'meets' if meets else 'misses'} the emergency guarantee"


def verdict_paragraphs(comparison, labels: dict[str, str]) -> list[dict]:
    """Per policy: the verdict as HTML, from the rows of ``comparison.compare`` only (every number tagged with its
    figure), and what non-emergency callers get (``comparison.service``).

    ``comparison``: ``sim.studies.comparison.ComparisonTables``."""
    sc = comparison.scenario
    compare = comparison.compare
    confidence = comparison.confidence
    cur = sc.economics.currency
    baseline = comparison.baseline
    has_emergency = any(c.emergency for c in sc.contact_types)
    period = period_phrase(sc.days)
    base_label = labels.get(baseline, baseline)
    out = []
    others = [p for p in comparison.policies if p != baseline] or [baseline]
    service = comparison.service
    busy_tones = any_policy_has(comparison.summary, "busy_tone")
    for policy in others:
        rows = compare[(compare.policy == policy) & (compare.contact_type == "all")].set_index("metric")
        em = compare[(compare.policy == policy) & (compare.contact_type == "emergency")].set_index("metric")
        parts: list[Markup] = []
        if policy == baseline:
            parts.append(Markup(
                "This scenario has a single policy, so there is nothing to compare it with and no net effect to "
                "state. Its own figures: agent cost {} {}.").format(
                    _fig(rows.loc["agent_cost", "value"], "money", cur, policy=policy, metric="agent_cost",
                         scope="all", column="value"), period))
        else:
            society, platform = rows.loc["net_saving"], rows.loc["net_saving_platform"]
            parts.append(Markup("<b>In short:</b> {}.").format(_in_short(society, em, sc, has_emergency)))
            parts.append(Markup("Against <b>{}</b>, the net effect for society is {} {} {}: {}.").format(
                base_label,
                _fig(society["difference"], "money", cur, policy=policy, metric="net_saving", scope="all",
                     column="difference"),
                period, _interval(society, "money", cur, policy, "net_saving", "all", confidence),
                _sign_words(society)))
            parts.append(Markup("For the platform it is {} {} {}: {}.").format(
                _fig(platform["difference"], "money", cur, policy=policy, metric="net_saving_platform", scope="all",
                     column="difference"),
                period, _interval(platform, "money", cur, policy, "net_saving_platform", "all", confidence),
                _sign_words(platform)))
        if has_emergency and "share_within_guarantee" in em.index:
            g = em.loc["share_within_guarantee"]
            meets = "meets" if g["value"] >= sc.guarantee_share else "misses"
            sentence = Markup("Emergencies reaching a human within {} s: {}").format(
                f"{sc.guarantee_s:g}", _fig(g["value"], "share", cur, policy=policy, metric="share_within_guarantee",
                                           scope="emergency", column="value"))
            if policy != baseline:
                sentence += Markup(" against {} under the baseline (paired difference {}, {})").format(
                    _fig(g["baseline"], "share", cur, policy=policy, metric="share_within_guarantee",
                         scope="emergency", column="baseline"),
                    _fig(g["difference"], difference_kind("share"), cur, policy=policy,
                         metric="share_within_guarantee", scope="emergency", column="difference"),
                    _interval(g, difference_kind("share"), cur, policy, "share_within_guarantee", "emergency",
                              confidence, bare=True))
            parts.append(sentence + Markup("; on the mean it {} the guarantee of {} of them.").format(
                meets, fmt_value(sc.guarantee_share, "share")))
            u = em.loc["unreached"]
            sentence = Markup("Emergency incidents never reaching a human: {} per run").format(
                _fig(u["value"], "count", cur, policy=policy, metric="unreached", scope="emergency", column="value"))
            if policy != baseline:
                sentence += Markup(" against {} under the baseline (paired difference {}, {})").format(
                    _fig(u["baseline"], "count", cur, policy=policy, metric="unreached", scope="emergency",
                         column="baseline"),
                    _fig(u["difference"], "count", cur, policy=policy, metric="unreached", scope="emergency",
                         column="difference"),
                    _interval(u, "count", cur, policy, "unreached", "emergency", confidence, bare=True))
            parts.append(sentence + Markup("."))
        elif not has_emergency:
            parts.append(Markup("The scenario has no emergency contact type, so no guarantee applies and no "
                                "incident is an emergency."))
        if busy_tones:  # some policy's lines ran out: say how often, beside the service figures
            tone = pick(comparison.summary, policy, "all", "busy_tone_share")
            parts.append(Markup("Attempts met by a busy tone (every phone line taken): {} ({} to {}).").format(
                *(_fig(tone[c], "share", cur, policy=policy, metric="busy_tone_share", scope="all", column=c)
                  for c in ("mean", "ci_low", "ci_high"))))
        parts.extend(_service_sentences(service[service["policy"] == policy], comparison.collapse_rule))
        if comparison.n_replications < comparison.rough_below:
            parts.append(Markup(
                "<b>Caveat:</b> these intervals rest on {} replication(s), fewer than {}: they are rough, and the "
                "standard deviation behind them is itself poorly known.").format(comparison.n_replications,
                                                                                comparison.rough_below))
        out.append({"policy": policy, "label": labels.get(policy, policy), "html": Markup(" ").join(parts)})
    return out


def _service_sentences(service: pd.DataFrame, collapse_rule: str) -> list[Markup]:
    """What a policy's non-emergency callers get (``sim.studies.service``), and the collapse flag with its rule.

    Every number is tagged as the verdict's others are, with ``data-source`` naming the study it comes from."""
    out = []
    for _, r in service.iterrows():
        def fig(metric: str, column: str, kind: str) -> Markup:
            return _fig(r[column], kind, "", policy=r["policy"], metric=metric, scope=r["scope"],
                        column=column.removeprefix(metric).lstrip("_") or "mean", source="non_emergency_service")

        figures = []
        for metric in SERVICE_COLUMNS:
            label, kind = measures.MEASURES[metric].heading, measures.kind(metric)
            text = Markup("{} {}").format(label, fig(metric, metric, kind))
            if not (is_missing(r[f"{metric}_ci_low"]) or is_missing(r[f"{metric}_ci_high"])):
                text += Markup(" ({} to {})").format(fig(metric, f"{metric}_ci_low", kind),
                                                     fig(metric, f"{metric}_ci_high", kind))
            figures.append(text)
        out.append(Markup('<span class="service" data-scope="{}">{}: {}.</span>').format(
            r["scope"], r["label"], Markup("; ").join(figures)))
    hit = service[service["collapsed"]]
    if len(hit):
        out.append(Markup('<b class="collapse">Service collapse</b> for {}: {}.').format(
            ", ".join(hit["label"]), collapse_rule))
    return out


# ----------------------------------------------------------------- render


def _printable(value: Any) -> Any:
    """Jinja's finalize: a method or function reaching the page is a template defect ("<built-in method
    values of dict object>"), never text for a reader."""
    if callable(value) and not isinstance(value, Markup):
        raise TypeError(f"the report template printed a callable: {value!r}")
    return value


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("sim.present", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True, finalize=_printable)
    return env


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


class _Charts:
    """Figures as HTML divs with stable ids; Plotly's JavaScript is not repeated (it is in the page head)."""

    def __init__(self):
        self.count = 0

    def __call__(self, fig) -> Markup:
        self.count += 1
        fig.update_layout(template="plotly_white")
        return Markup(fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{self.count}",
                                  config={"displaylogo": False, "responsive": True}))


def _table(frame: pd.DataFrame, index: bool = True, classes: str = "") -> Markup:
    return Markup(frame.to_html(index=index, escape=True, border=0, classes=f"table {classes}".strip(),
                                na_rep="n/a"))


def _assumptions(scenario: Scenario, changes: list[dict], ranked: dict[str, int] | None = None) -> dict:
    """Section 2's rows: every parameter that differs from the schema default, that carries a source note, or
    that section 5 ranks — whatever its value: an input the report itself calls decisive is never left out
    because its value happens to be the default."""
    rows = parameter_rows(scenario, changes)
    ranked = {index_path(scenario, path): rank for path, rank in (ranked or {}).items()}
    rows["rank"] = rows["parameter"].map(ranked)
    leaf = rows["parameter"].str.rsplit(".", n=1).str[-1]
    wanted = rows["differs_from_default"] | (rows["source"] != "") | rows["rank"].notna()
    shown = rows[wanted & ~leaf.isin(_IDENTITY)]
    sections = []
    for section, part in shown.groupby("section", sort=False):
        records = part.to_dict("records")
        for r in records:
            r["ranked"] = "" if pd.isna(r["rank"]) else f"ranked {int(r['rank'])} of {len(ranked)} in section 5"
        sections.append({"name": section, "rows": records})
    return {
        "sections": sections,
        "n_shown": len(shown),
        "n_all": len(rows),
        "n_sourced": int((shown["source"] != "").sum()),
        "n_assumption": int(shown["assumption"].sum()),
        "n_unsourced": int((shown["source"] == "").sum()),
        "n_default": int((~shown["differs_from_default"]).sum()),
        "notes": [{"field": k, "note": v} for k, v in scenario.sources.items()],
    }


def _ranked_inputs(tables: dict | None) -> dict[str, int]:
    """The inputs section 5 ranks: by the tornado's swing of society's net effect (1 = the largest), else in
    the order of the experiment's design."""
    if not tables:
        return {}
    tornado = tables.get("tornado")
    if tornado is not None and len(tornado):
        # ranked on society's net effect, as the first tornado shows it (swings in money and in shares
        # do not compare); on the first figure there is otherwise
        figure = "net_saving" if (tornado["figure"] == "net_saving").any() else tornado["figure"].iloc[0]
        part = tornado[tornado["figure"] == figure]
        swing = part.assign(size=part["swing"].abs()).groupby("factor", sort=False)["size"].max()
        return {factor: i + 1 for i, factor in enumerate(swing.sort_values(ascending=False, kind="stable").index)}
    verdict = tables.get("verdict")
    if verdict is None:
        return {}
    factors = [c for c in verdict.columns if "[" in c or "." in c]
    return {factor: i + 1 for i, factor in enumerate(factors)}


def _comparison(comparison, labels: dict[str, str]) -> Markup:
    sc = comparison.scenario
    table = comparison_table(comparison.compare, comparison.summary, comparison.policies, labels, comparison.baseline,
                             sc.economics.currency, any(c.emergency for c in sc.contact_types))
    return _table(table.drop(columns=["metric"]))


def _frontier_section(evidence, labels: dict[str, str], chart) -> dict:
    scenario, search = evidence.scenario, evidence.frontier
    if search is None:
        return {"note": evidence.frontier_note}
    cur = scenario.economics.currency
    pct = f"{100 * search.confidence:g}%"
    has_emergency = any(c.emergency for c in scenario.contact_types)
    finding = search.findings["guarantee_confident"] if has_emergency else None
    fig = charts.frontier_chart(search.runs.drop(columns=["batch"]), cur, scenario.guarantee_share,
                                scenario.guarantee_s, labels.get(search.template, search.template),
                                marker=scenario.policy(search.template).staffing_scale, finding=finding,
                                confidence=search.confidence)
    answers = []
    for criterion, f in search.findings.items():
        metric, question = evidence.frontier_questions[criterion]
        kind = "share" if metric == "share_within_guarantee" else "money"
        at = (f"{fmt_value(f.value, 'share')} kept ({f.headcount:g} agents): "
              f"{fmt_estimate(f.mean, f.ci_low, f.ci_high, kind, cur)}" if f.value is not None else "–")
        nxt = (f"{fmt_value(f.next_value, 'share')} kept ({f.next_headcount:g} agents): "
               f"{fmt_estimate(f.next_mean, f.next_ci_low, f.next_ci_high, kind, cur)}"
               if f.next_value is not None else "–")
        answers.append({"Question": question, "Answer": f.message.split(": ", 1)[-1],
                        "Deepest share that passes": at, "First share that fails": nxt})
    return {
        "chart": chart(fig),
        "answers": _table(pd.DataFrame(answers), index=False),
        "meaning": evidence.frontier_meaning,
        "replications": search.replications,
        "seed": search.seed,
        "pct": pct,
        "violations": search.violations,
        # not "values": a template reading frontier.values would get the dict's method
        "grid": ", ".join(fmt_value(v, "share") for v in evidence.frontier_grid),
    }


def _point_labels(design_points: pd.DataFrame, factors: Sequence[str]) -> dict[int, str]:
    """Name the points of a one-at-a-time design by the factor that moved; others by number."""
    base = design_points.iloc[0]
    out = {}
    for point, row in design_points.iterrows():
        moved = [f for f in factors if not math.isclose(float(row[f]), float(base[f]))]
        if not moved:
            out[point] = "base point"
        elif len(moved) == 1:
            out[point] = f"{moved[0]} = {float(row[moved[0]]):.4g}"
        else:
            out[point] = f"point {point}"
    return out


def _what_if_section(scenario: Scenario, tables: dict | None, what_if: dict, labels: dict[str, str], chart) -> dict:
    if tables is None:
        return {"source": what_if, "tornadoes": [], "verdict": None, "boxes": []}
    cur = scenario.economics.currency
    has_emergency = any(c.emergency for c in scenario.contact_types)
    tornadoes = []
    tornado = tables.get("tornado")
    if tornado is not None and len(tornado):
        for (policy, figure), part in tornado.groupby(["policy", "figure"], sort=False):
            if figure not in TORNADO_FIGURES or part[["low_change", "high_change"]].abs().max().max() == 0:
                continue
            label, kind = TORNADO_FIGURES[figure]
            base = fmt_value(part["base_mean"].iloc[0], kind, cur)
            # the base is this experiment's own run: say on what it rests, as section 1 does for its figure
            runs = ", ".join(x for x in (f"{what_if['replications']} replications" if what_if.get("replications")
                                         else "", f"seed {what_if['seed']}" if what_if.get("seed") is not None
                                         else "") if x)
            fig = charts.tornado_chart(part, f"{label}, {labels.get(policy, policy)} (base {base}"
                                             f"{'; ' + runs if runs else ''})", kind, cur)
            tornadoes.append(chart(fig))
    verdict = tables.get("verdict")
    verdict_chart = None
    if verdict is not None and verdict["saves_money"].notna().any():
        factors = [c for c in verdict.columns if c not in ("point", "policy", "net_saving", "net_saving_platform",
                                                         "share_within_guarantee", "saves_money", "guarantee_holds")]
        points = verdict.drop_duplicates("point").set_index("point")[factors]
        if len(points) <= 60:  # a map of a few hundred points would be a wall of cells; the boxes say it
            verdict_chart = chart(charts.verdict_map_chart(verdict, _point_labels(points, factors), labels, cur,
                                                           has_emergency))
    boxes = []
    words = {"saves_money": "saves society money", "guarantee_holds": "keeps the emergency guarantee"}
    table = tables.get("verdict_boxes")
    if table is not None:
        for (policy, kind), part in table.groupby(["policy", "verdict"], sort=False):
            if kind == "guarantee_holds" and not has_emergency:
                continue
            what, value = words.get(kind, kind), bool(part["value"].iloc[0])
            name = labels.get(policy, policy)
            if part["factor"].isna().all():
                boxes.append(f"{name} {'always' if value else 'never'} {what} over the ranges explored.")
                continue
            where = "; ".join(f"{r.factor} between {r.low:.4g} and {r.high:.4g}" for r in part.itertuples())
            first = part.iloc[0]
            verb = what.replace("saves", "save").replace("keeps", "keep")
            boxes.append(f"{name} {'does' if value else 'does not'} {verb} where {where} "
                         f"({fmt_value(first['coverage'], 'share')} of such points lie there, and they are "
                         f"{fmt_value(first['density'], 'share')} of the points in it); elsewhere it "
                         f"{'does not' if value else 'does'}.")
    other = [name for name in ("morris", "sobol") if tables.get(name) is not None and len(tables[name])]
    indices = {name: _table(tables[name], index=False) for name in other}
    shares = tables.get("loss_curve_share")
    named = {p: labels.get(p, p) for p in (shares["policy"] if shares is not None else [])}
    loss_curve = (loss_curve_share_lines(shares.assign(policy=shares["policy"].map(named)), TORNADO_FIGURES)
                  if shares is not None else [])
    return {"source": what_if, "tornadoes": tornadoes, "verdict": verdict_chart, "boxes": boxes,
            "indices": indices, "loss_curve": loss_curve}


def _loss_curves(evidence, chart) -> list[dict]:
    """Each named loss curve the scenario uses: its figure (points and band) and the points it rests on."""
    scenario = evidence.scenario
    out = []
    for name, band in scenario.loss_curve_bands.items():
        users = [c.label or c.id for c in scenario.contact_types if c.loss.curve == name]
        out.append({
            "name": name, "label": CATALOGUE[name]["label"], "description": CATALOGUE[name]["description"],
            "band": band, "users": users, "form": named_curve(name, band).describe(),
            "chart": chart(loss_curve_chart(name, evidence.loss_evidence, band)),
            "table": _table(curve_points_table(evidence.loss_curve_points[name]), index=False, classes="small"),
        })
    return out


# (does a policy-resolved scenario use it, the caveat when some policy does ({} its policies), the words when
# none does — a feature the model has but the report does not rely on is said to be absent, never denied)
_FEATURE_LIMITS = (
    (lambda sc: sc.front_door.bot_enabled or bool(sc.front_door.bot_only_hours),
     "The bot ({}) resolves, recognises emergencies and falsely resolves with fixed probabilities per contact "
     "type; it does not improve, fail in bursts or vary with load.", ""),
    (lambda sc: sc.front_door.callback.enabled,
     "Callbacks ({}): a customer who accepts one never abandons while waiting for it, and the offer rests on a "
     "predicted wait, not the wait that follows.",
     "No policy here offers callbacks (virtual hold); the model can (front_door.callback)."),
    (lambda sc: bool(sc.chat.types),
     "Chats ({}): an agent holds several at once, each slowed by a fixed factor for the number held, and takes "
     "no call while holding one.",
     "No policy here handles chats; every contact is a call an agent takes one at a time."),
    (lambda sc: bool(sc.routing.overflow),
     "Overflow after a delay ({}) follows fixed stages; agents do not choose.", ""),
)


def _limitations(scenario: Scenario, policies: Sequence[str]) -> list[str]:
    """Section 6, derived from what the model does and what this scenario's policies use: a limitation is
    never stated for a feature the report itself relies on, and a feature in use gets its own caveat."""
    resolved = {p: scenario.for_policy(p) for p in policies}
    labels = {p.id: p.label or p.id for p in scenario.effective_policies}

    def using(test) -> list[str]:
        return [labels.get(p, p) for p, sc in resolved.items() if test(sc)]

    def names(ids: list[str]) -> str:
        return ", ".join(ids)

    items = ["The figures are only as good as the inputs in section 2; those marked ASSUMPTION, and those without "
             "a source, are the scenario author's judgement."]
    busy = ("a daily busyness factor (cv {:g}) adds day-to-day swings, but".format(scenario.busyness_cv)
            if scenario.busyness_cv else "no day-to-day busyness is modelled, and")
    items.append(f"Arrivals are Poisson within each interval; {busy} surges after an outage or a news story are not.")
    redials = any(c.redial.probability > 0 for c in scenario.contact_types)
    items.append("Customers behave as the distributions say: patience"
                 + (", redials" if redials else "") + " and finding the human option do not learn from experience "
                 "or from what others say" + ("" if redials else "; no contact type redials after giving up") + ".")
    if any(c.emergency for c in scenario.contact_types):
        fitted = (" (section 2), fitted to published points from other countries, rails and selections of cases"
                  if scenario.loss_curve_bands else "")
        items.append(f"An emergency's money drains on the curve the scenario states{fitted}, until a human answers or "
                     "its loss window closes; real fraud comes in bursts, and recovery of stolen money after the fact "
                     "is not modelled.")
    for uses, used, unused in _FEATURE_LIMITS:
        policies_using = using(uses)
        if policies_using:
            items.append(used.format(names(policies_using)))
        elif unused:
            items.append(unused)
    items.append("Agents are interchangeable within a skill: no learning curve, no fatigue; priority is "
                 "non-preemptive.")
    absent = [sc.agents.absence_probability for sc in resolved.values()]
    if any(absent):
        items.append(f"Absence is an independent draw per agent-shift (at most {max(absent):.0%}); no waves of "
                     "sickness, no cover called in.")
    else:
        items.append("No absence is modelled: every rostered agent turns up.")
    items.append("Costs are wages, bot costs, customer losses, liability and churn per run; reputational damage, "
                 "regulation and lost lifetime value beyond the churn cost are left out.")
    items.append("Intervals cover the simulation's randomness only, not the uncertainty of the inputs; section 5 "
                 "explores some of that.")
    return items


def _validation_section(validation: pd.DataFrame, z: float) -> dict:
    rows = []
    for r in validation.itertuples():
        rows.append({
            "Case": r.case, "Model": r.model, "Figure": r.label,
            "Published": fmt_value(r.published, r.kind), "humanline's formula": fmt_value(r.formula, r.kind),
            "Simulated (95% CI)": fmt_estimate(r.simulated, r.ci_low, r.ci_high, r.kind),
            "Off by (standard errors)": fmt_value(r.z, "number"), "Agrees": "yes" if r.agrees else "NO",
        })
    inputs = validation.drop_duplicates("case")[["case", "inputs"]].to_dict("records")
    n = int(validation["n"].max()) if len(validation) else 0
    return {"table": _table(pd.DataFrame(rows), index=False), "all_agree": bool(validation["agrees"].all()),
            "n_disagree": int((~validation["agrees"]).sum()), "inputs": inputs, "replications": n, "z": z}


def _plain(value: Any) -> str:
    if value is None:
        return "(none)"
    return str(value)


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name.lower()).strip("_") or "scenario"


def _python_call(source: str, comparison) -> str:
    target = repr(source) if source else "scenario"
    return (f"sim.report({target}, 'report.html', "
            f"settings=sim.RunSettings(replications={comparison.n_replications}, seed={comparison.seed}))")
