"""Fitting the named loss curves to the published evidence, with a bootstrap band.

The evidence is ``sim/data/loss_evidence.csv``: one row per published point
(a delay, the share of the money lost by then), each with its source, the
figure as published, how a phrase was read ("a few days" taken as 2-4 days)
and its caveat. Rows marked ``used: no`` were weighed and left out; the
``reading`` column says why.

The fit. Each named curve has a form (``CURVES``): two-phase where the
evidence spans minutes and days, exponential where it sits at one delay.
Parameters minimise the squared distance in share lost to the rows' central
values (every row weighs alike: the sources give no standard errors), by
``scipy.optimize.least_squares`` from a few starting points, on a scale
where every parameter set is a valid curve (a logit share, log times, the
slow phase slower than the fast one).

The band is a parametric bootstrap over what is uncertain in each row. A
reading of a delay is drawn uniformly over its range, once per ``group``
(a reading is one judgement, shared by the rows that rest on it); a share
is drawn uniformly over its published range (a range, or the rounding of a
percentage), then scattered on the logit scale by the disagreement the
table itself shows between published measurements of one quantity: the
pooled within-group standard deviation of the logit share over the groups
with several rows (the FBI's six yearly freeze rates, Singapore's three
recoveries after a few days). A published figure is thus taken to be as
uncertain as repeated publications of one figure disagree, not as exact as
its rounding. Each draw is refitted. The draws, ranked by severity
(sim.model.loss_curves.severity), become the curve's band and the values
its experiment factor (``loss_curve_bands``) picks from.

``fit_catalogue`` is deterministic (each curve's generator is seeded from
its name), so ``python -m sim loss-fit --check`` and the tests reproduce
the stored parameters of sim/model/loss_catalogue.py from the table.
"""

from __future__ import annotations

import math
import pprint
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares
from scipy.special import expit

from sim.model.loss_curves import Curve, severity

EVIDENCE_PATH = Path(__file__).resolve().parents[1] / "data" / "loss_evidence.csv"
CATALOGUE_PATH = Path(__file__).resolve().parents[1] / "model" / "loss_catalogue.py"
DRAWS = 200
SIGNIFICANT = 6

CURVES: dict[str, dict] = {
    "instant_transfer": {
        "form": "two_phase",
        "label": "Instant bank transfer (authorised push payment, mule accounts)",
        "description": (
            "Money sent by instant transfer to mule accounts: a fast drain over the first hour (RUSI / Lloyds) "
            "and a slow tail over days (Singapore Anti-Scam Centre recoveries after a few days and after "
            "about two weeks)."
        ),
    },
    "international_wire": {
        "form": "exponential",
        "label": "International wire, SWIFT recall (FBI Recovery Asset Team cases)",
        "description": (
            "International wires of USD 50k or more reported within 72 hours: the FBI IC3 Recovery Asset "
            "Team's yearly freeze rates 2018-2023. Pre-selected cases: optimistic for a typical victim."
        ),
    },
}
EVIDENCE_COLUMNS = (
    "id", "curve", "used", "group", "delay_min", "delay_low_min", "delay_high_min", "share_lost",
    "share_lost_low", "share_lost_high", "figure", "source", "reading", "caveat",
)


class EvidenceError(ValueError):
    """A row of the evidence table that cannot be fitted; the message names the row by id."""


def read_evidence(path: Path = EVIDENCE_PATH) -> pd.DataFrame:
    table = pd.read_csv(path, dtype={"id": str, "curve": str, "used": str, "group": str})
    missing = [c for c in EVIDENCE_COLUMNS if c not in table.columns]
    if missing:
        raise EvidenceError(f"{path}: missing columns {', '.join(missing)}")
    return table


def check_curves(evidence: pd.DataFrame) -> None:
    """Every used row names a curve that has a form here, or EvidenceError naming the row."""
    for row in evidence[evidence["used"] == "yes"].itertuples():
        if row.curve not in CURVES:
            raise EvidenceError(f"row {row.id}: curve {row.curve!r} has no form (known: {', '.join(CURVES)}); "
                                "add it to CURVES in sim/studies/loss_fit.py")


def used_rows(evidence: pd.DataFrame, curve: str) -> pd.DataFrame:
    rows = evidence[(evidence["curve"] == curve) & (evidence["used"] == "yes")].reset_index(drop=True)
    for _, row in rows.iterrows():
        lo, mid, hi = row["share_lost_low"], row["share_lost"], row["share_lost_high"]
        if not (0.0 <= lo <= mid <= hi <= 1.0):
            raise EvidenceError(f"row {row['id']}: share_lost {lo} <= {mid} <= {hi} must lie within [0, 1] in order")
        if not (0.0 < row["delay_low_min"] <= row["delay_min"] <= row["delay_high_min"]):
            raise EvidenceError(f"row {row['id']}: delays must be positive and delay_low <= delay <= delay_high")
    return rows


# ------------------------------------------------------------------ the fit


def _curve(form: str, theta: np.ndarray) -> Curve:
    if form == "exponential":
        return Curve(form, (math.exp(theta[0]),))
    fast = math.exp(theta[1])
    return Curve(form, (float(expit(theta[0])), fast, fast * math.exp(theta[2])))


def _starts(form: str) -> list[np.ndarray]:
    if form == "exponential":
        return [np.array([math.log(s)]) for s in (3600.0, 86400.0, 30 * 86400.0)]
    return [np.array([w, math.log(f), math.log(r)])
            for w in (-1.0, 0.5) for f in (600.0, 3600.0) for r in (50.0, 500.0)]


def fit_points(form: str, delay_s: np.ndarray, share: np.ndarray) -> Curve:
    """Least-squares fit of ``form`` to (delay, share lost) points; the best of a few starts."""

    def residuals(theta):
        return _curve(form, theta).share_lost(delay_s) - share

    best = None
    for start in _starts(form):
        # Bounds keep every time between a second and ten years and the logit finite: always a curve.
        lo = [math.log(1.0)] if form == "exponential" else [-12.0, math.log(1.0), 0.0]
        hi = [math.log(3.2e8)] if form == "exponential" else [12.0, math.log(3.2e8), math.log(1e6)]
        result = least_squares(residuals, start, bounds=(lo, hi), method="trf")
        if best is None or result.cost < best.cost - 1e-15:
            best = result
    return _curve(form, best.x)


def _logit(p):
    p = np.clip(np.asarray(p, dtype=float), 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def scatter_logit_sd(evidence: pd.DataFrame) -> float:
    """Pooled within-group standard deviation of the logit share, over used groups with several rows."""
    used = evidence[evidence["used"] == "yes"]
    squares, dof = 0.0, 0
    for _, group in used.groupby(["curve", "group"]):
        if len(group) > 1:
            z = _logit(group["share_lost"].to_numpy())
            squares += float(((z - z.mean()) ** 2).sum())
            dof += len(group) - 1
    if dof == 0:
        raise EvidenceError("no group of the evidence table has two rows: nothing to estimate the scatter from")
    return math.sqrt(squares / dof)


def bootstrap(form: str, rows: pd.DataFrame, rng: np.random.Generator, scatter: float,
              draws: int = DRAWS) -> list[Curve]:
    curves = []
    groups = [g.reset_index(drop=True) for _, g in rows.groupby("group", sort=True)]
    for _ in range(draws):
        delay, share = [], []
        for group in groups:
            u = rng.random()  # one reading per group
            lo, hi = group["delay_low_min"].to_numpy(), group["delay_high_min"].to_numpy()
            delay.append((lo + u * (hi - lo)) * 60.0)
            published = rng.uniform(group["share_lost_low"].to_numpy(), group["share_lost_high"].to_numpy())
            share.append(expit(_logit(published) + scatter * rng.standard_normal(len(group))))
        curves.append(fit_points(form, np.concatenate(delay), np.concatenate(share)))
    return curves


def _rounded(values) -> list[float]:
    return [float(f"{v:.{SIGNIFICANT}g}") for v in values]


def fit_curve(name: str, evidence: pd.DataFrame, draws: int = DRAWS) -> dict:
    """One catalogue entry: the fit, its ranked bootstrap draws and the rows it rests on."""
    spec = CURVES[name]
    scatter = scatter_logit_sd(evidence)
    rows = used_rows(evidence, name)
    if rows.empty:
        raise EvidenceError(f"curve {name}: no row of the evidence table is marked used")
    fit = fit_points(spec["form"], rows["delay_min"].to_numpy() * 60.0, rows["share_lost"].to_numpy())
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    fitted = Curve(spec["form"], tuple(_rounded(fit.params)))
    ranked = sorted(
        (Curve(spec["form"], tuple(_rounded(c.params))) for c in bootstrap(spec["form"], rows, rng, scatter, draws)),
        key=severity,
    )
    return {
        "form": spec["form"],
        "label": spec["label"],
        "description": spec["description"],
        "rows": list(rows["id"]),
        "sources": "; ".join(f"{r.id}: {r.figure} ({r.source})" for r in rows.itertuples()),
        "fit": list(fitted.params),
        "draws": [list(c.params) for c in ranked],
        "draws_below_fit": sum(severity(c) < severity(fitted) for c in ranked),
        "scatter_logit_sd": round(scatter, SIGNIFICANT),
    }


def fit_catalogue(evidence: pd.DataFrame | None = None, draws: int = DRAWS) -> dict[str, dict]:
    evidence = read_evidence() if evidence is None else evidence
    check_curves(evidence)
    return {name: fit_curve(name, evidence, draws) for name in CURVES}


def render_catalogue(catalogue: dict[str, dict]) -> str:
    """The text of sim/model/loss_catalogue.py for ``catalogue``."""
    body = pprint.pformat(catalogue, width=110, sort_dicts=True)
    return (
        '"""The named loss curves fitted to sim/data/loss_evidence.csv (generated; do not edit).\n\n'
        "Regenerate with ``python -m sim loss-fit --write``; ``python -m sim loss-fit --check`` and\n"
        "tests/test_loss_curves.py check that refitting the table reproduces these numbers. Times in\n"
        "seconds: exponential ``fit`` is (tau_s,), two-phase (fast_share, fast_s, slow_s); ``draws`` are\n"
        "the bootstrap refits ranked from least to most severe (sim.studies.loss_fit).\n"
        '"""\n\n'
        f"CATALOGUE = {body}\n"
    )


def differences(stored: dict[str, dict], refitted: dict[str, dict], rtol: float = 1e-4) -> list[str]:
    """Where a refit departs from the stored catalogue, one line each; empty when it reproduces it."""
    found = []
    for name in sorted(set(stored) | set(refitted)):
        if name not in stored or name not in refitted:
            found.append(f"{name}: only in the {'refit' if name in refitted else 'stored catalogue'}")
            continue
        a, b = stored[name], refitted[name]
        for key in ("form", "rows", "draws_below_fit", "scatter_logit_sd"):
            if a.get(key) != b.get(key):
                found.append(f"{name}.{key}: stored {a.get(key)!r}, refit {b.get(key)!r}")
        for key in ("fit", "draws"):
            x, y = np.asarray(a[key], dtype=float), np.asarray(b[key], dtype=float)
            if x.shape != y.shape or not np.allclose(x, y, rtol=rtol, atol=0.0):
                found.append(f"{name}.{key}: the refit differs from the stored parameters")
    return found


def curve_table(name: str, catalogue: dict[str, dict], evidence: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows a named curve rests on, with the fitted share and the band at each row's delay (tidy)."""
    from sim.model.loss_curves import band_at

    evidence = read_evidence() if evidence is None else evidence
    entry = catalogue[name]
    rows = evidence[evidence["id"].isin(entry["rows"])].copy()
    delay_s = rows["delay_min"].to_numpy() * 60.0
    rows["fitted_share_lost"] = Curve(entry["form"], tuple(entry["fit"])).share_lost(delay_s)
    rows["band_low"], rows["band_high"] = band_at(name, delay_s, catalogue=catalogue)
    return rows[["id", "delay_min", "share_lost", "fitted_share_lost", "band_low", "band_high", "source", "reading"]]
