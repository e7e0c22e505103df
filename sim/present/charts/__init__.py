"""Plotly figure builders: tidy DataFrames in, ``go.Figure`` out, one module per concept.

Pure functions (no Streamlit, no I/O), shared by the app's pages and the evidence report
(``sim.present.report``):

- ``common``: the policies' colours, the guarantee's colour, wrapped labels, time axes;
- ``savings``: money against the baseline (Compare's bars) and the cost-of-cutting frontier;
- ``emergencies``: the emergency time-to-human ECDF;
- ``intervals``: demand and agents on duty by interval, heat maps by hour and day, expected demand;
- ``cover``: a roster's cover against the requirement;
- ``classroom``: simulation next to the formulas, one day replayed, curves against agents, runs needed;
- ``uncertainty``: tornado and verdict map of an experiment.

Labels, kinds and rates of measures come from the registry (``sim.model.measures``). The builders are
also importable from this package (``from sim.present import charts; charts.savings_chart(...)``).
"""

from sim.present.charts.classroom import (
    REPLAY_AGENT_STATES,
    REPLAY_EVENTS,
    REPLAY_FRAME_MS,
    SWEEP_PANELS,
    classroom_chart,
    clock_label,
    erlang_curves_chart,
    replay_chart,
    replications_chart,
)
from sim.present.charts.common import GUARANTEE_COLOUR, PALETTE, policy_colours, wrap_label
from sim.present.charts.cover import cover_chart
from sim.present.charts.emergencies import ecdf_chart
from sim.present.charts.intervals import (
    HEATMAP_CAP_PERCENTILE,
    HEATMAP_METRICS,
    demand_chart,
    expected_demand_chart,
    heatmap_chart,
)
from sim.present.charts.savings import MONEY_SERIES, frontier_chart, net_series, savings_chart
from sim.present.charts.uncertainty import tornado_chart, verdict_map_chart

__all__ = [
    "PALETTE",
    "GUARANTEE_COLOUR",
    "MONEY_SERIES",
    "HEATMAP_CAP_PERCENTILE",
    "HEATMAP_METRICS",
    "REPLAY_AGENT_STATES",
    "REPLAY_EVENTS",
    "REPLAY_FRAME_MS",
    "SWEEP_PANELS",
    "policy_colours",
    "net_series",
    "savings_chart",
    "frontier_chart",
    "ecdf_chart",
    "demand_chart",
    "heatmap_chart",
    "expected_demand_chart",
    "classroom_chart",
    "tornado_chart",
    "verdict_map_chart",
    "clock_label",
    "replay_chart",
    "erlang_curves_chart",
    "replications_chart",
    "cover_chart",
    "wrap_label",
]
