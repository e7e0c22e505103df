"""Writing a calibration to a folder: the scenario, every evidence table, figures and the verdict.

``DIR/scenario.yaml`` (loads with ``sim.load_scenario``), ``DIR/backtest.csv``
and ``DIR/backtest_summary.csv``, one CSV per fit (``fit_*.csv``), the rows
left out (``log_rejected_rows.csv``), ``DIR/calibration.md`` (the rules, the
notes and the verdict) and PNG figures (``fig_*.png``). A folder is written
only if it is new, empty or an earlier calibration's (it has
``calibration.md``): nothing a user had is overwritten. The files are written
into a folder beside it and renamed into place, so an interrupted calibration
leaves the previous folder as it was.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from sim.files.calllog_io import CallLogError
from sim.files.scenario_io import scenario_to_yaml

MARKER = "calibration.md"


def check_folder(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise CallLogError([f"--out: {out} is a file, not a folder"])
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise CallLogError([f"--out: {out} is not empty and is not an earlier calibration's folder; "
                            "give a new or empty folder"])


def write_calibration(cal, out) -> list[str]:
    """Write everything into a new folder beside ``out``, then put it in place: all or nothing."""
    out = Path(out)
    check_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        written = _write_all(cal, staging)
        if out.exists():
            old = out.with_name(f".{out.name}-old-{staging.name[-8:]}")
            out.rename(old)
            staging.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


def _write_all(cal, out: Path) -> list[str]:
    written = []
    (out / "scenario.yaml").write_text(
        f"# Fitted by `python -m sim calibrate` from {cal.log_name}; every estimate's source is under `sources`.\n"
        + scenario_to_yaml(cal.scenario), encoding="utf-8")
    written.append("scenario.yaml")
    for name, table in cal.tables().items():
        table.to_csv(out / f"{name}.csv", index=False)
        written.append(f"{name}.csv")
    written += _figures(cal, out)
    (out / MARKER).write_text(summary_text(cal), encoding="utf-8")
    written.append(MARKER)
    return written


def summary_text(cal) -> str:
    rej = cal.log.rejected
    lines = [f"# Calibration of {cal.log_name}", "",
             f"{cal.log.rows_read:,} rows read, {len(cal.log.calls):,} calls used over {cal.log_days} days from "
             f"{cal.start_date} ({cal.log.format_name} layout).", "", "## Rows left out", ""]
    lines += [f"- {r.reason}: {r.rows:,} (first at line {r.first_line})" for r in rej.itertuples()] or ["- none"]
    lines += [f"- note: {n}" for n in cal.notes]
    lines += ["", "## Rules", "", f"- contact types: {cal.type_rule}", f"- days: {cal.day_rule}; excluded: "
              f"{cal.excluded_days_text}", f"- redials: {cal.retries.rule}", f"- agents on duty: {cal.staffing_rule}",
              "", "## Estimates", ""]
    lines += [f"- `{k}`: {v}" for k, v in cal.scenario.sources.items()]
    if cal.backtest is not None:
        lines += ["", "## Backtest", "", cal.backtest.verdict, ""]
    return "\n".join(lines) + "\n"


def _figures(cal, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    types = cal.type_ids
    # Arrivals: observed mean per interval against the fitted first attempts, per weekday, all types together.
    arr = cal.arrivals.table.groupby(["weekday", "interval"], sort=False)[
        ["observed_mean", "fitted_first_attempts"]].sum().reset_index()
    fig, axes = plt.subplots(1, 7, figsize=(18, 3), sharey=True)
    for ax, (day, t) in zip(axes, arr.groupby("weekday", sort=False)):
        ax.plot(t["interval"], t["observed_mean"], label="observed calls (mean over kept days)")
        ax.plot(t["interval"], t["fitted_first_attempts"], label="fitted first attempts", ls="--")
        ax.set_title(day)
    axes[0].set_ylabel(f"calls per {cal.interval_min} min")
    axes[0].legend(fontsize=7)
    written.append(_save(fig, out, "fig_arrivals.png", plt))
    n = len(types)
    fig, axes = plt.subplots(2, n, figsize=(3.2 * n, 6), squeeze=False)
    for i, tid in enumerate(types):
        q = cal.handle[tid].quantiles
        ax = axes[0][i]
        ax.plot(q["empirical_s"], q["fitted_s"], "o")
        top = max(q["empirical_s"].max(), q["fitted_s"].max())
        ax.plot([0, top], [0, top], color="grey", lw=0.8)
        ax.set_title(f"{tid}: handle time ({cal.handle[tid].dist})", fontsize=8)
        ax.set_xlabel("empirical quantile (s)")
        ax.set_ylabel("fitted quantile (s)")
        s = cal.patience[tid].survival
        ax = axes[1][i]
        ax.step(s["time_s"], s["kaplan_meier"], where="post", label="Kaplan-Meier")
        ax.fill_between(s["time_s"], s["km_lower"], s["km_upper"], step="post", alpha=0.2)
        ax.plot(s["time_s"], s["fitted"], ls="--", label=cal.patience[tid].spec["dist"])
        ax.set_title(f"{tid}: patience survival", fontsize=8)
        ax.set_xlabel("wait (s)")
        ax.legend(fontsize=7)
    written.append(_save(fig, out, "fig_handle_patience.png", plt))
    if cal.backtest is not None:
        written.append(backtest_figure(cal.backtest, out / "fig_backtest.png", plt))
    return written


def backtest_figure(backtest, path: Path, plt) -> str:
    t = backtest.table[backtest.table["judged"]]
    metrics = list(dict.fromkeys(t["metric"]))
    fig, axes = plt.subplots(len(metrics), 1, figsize=(16, 2.4 * len(metrics)), sharex=True)
    for ax, metric in zip(axes, metrics):
        m = t[t["metric"] == metric].reset_index(drop=True)
        x = range(len(m))
        ax.fill_between(x, m["sim_low"], m["sim_high"], alpha=0.25, label="simulation 95% band")
        ax.plot(x, m["simulated"], label="simulation mean")
        ax.plot(x, m["observed"], "k.", label="log")
        miss = ~m["inside"]
        ax.plot([i for i in x if miss[i]], m.loc[miss, "observed"], "rx", label="log outside the band")
        ax.set_ylabel(metric)
        ticks = [i for i in x if m.loc[i, "hour"] in (8, 16)]
        ax.set_xticks(ticks, [f"{m.loc[i, 'weekday']} {m.loc[i, 'hour']}h" for i in ticks], fontsize=7)
    axes[0].legend(fontsize=7, ncol=4)
    return _save(fig, path.parent, path.name, plt)


def _save(fig, out: Path, name: str, plt) -> str:
    fig.tight_layout()
    fig.savefig(out / name, dpi=90)
    plt.close(fig)
    return name
