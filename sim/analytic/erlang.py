"""Closed-form queueing formulas for call centres: Erlang B, Erlang C, Erlang A, Erlang X.

These are the stationary (steady-state) answers the simulation is checked
against, and the numbers a planner would get from a staffing calculator.
Everything here is a pure function of rates and times; units are in the names
(rates per second, times in seconds, offered load in Erlangs = arrival rate x
mean handle time).

The three models
----------------
Erlang B  (M/M/N/N, "loss")
    Calls that find all ``N`` agents busy are lost at once. ``erlang_b`` is the
    blocking probability: the fraction of arrivals that find every agent busy.

Erlang C  (M/M/N, "delay", nobody abandons)
    Calls that find all agents busy wait, forever if need be. Only defined when
    the offered load ``A`` is below ``N`` (otherwise the queue grows without
    bound). ``erlang_c`` is P(wait > 0). Service level:
    ``ErlangC.service_level = P(wait <= target_s)``; as everyone is answered
    this is also "answered within target over all arrivals". ``asa_s`` is the
    mean wait over all calls, those answered at once counted as 0 s.

Erlang A  (M/M/N+M, "Palm", exponential patience)
    Waiting customers hang up after an exponential patience with mean
    ``mean_patience_s``. Always stable, even with more load than agents or no
    agents at all. Here "service level" is ambiguous, because an abandoned
    call has no answer time; tools disagree (see
    docs/reference/erlang_cases.md). ``ErlangA`` therefore reports each
    candidate separately, all as fractions of *all arrivals*:

    * ``answered_within_target``: answered with wait <= target_s (including
      those answered at once). **This is the service level** used by
      ``erlang_a_servers_needed`` and by the simulator's metrics
      (answered_within_target / offered).
    * ``virtual_wait_within_target``: P(the wait a customer *would* have had
      had they never hung up <= target_s). Always >= the previous one, since it
      also counts customers who gave up before they would have been answered
      in time. Some tools call this the service level; it flatters.
    * ``abandoned_within_target``: abandoned with wait <= target_s ("short
      abandons"), for tools that leave them out of the denominator.
      ``answered_within_target / (1 - abandoned_within_target)`` gives that
      variant.

Where each lives
----------------
This module is the calculator's front: every public name is importable from
here. The formulas live one model to a module: sim.analytic.erlang_bc (B and
C, and the staffing search), sim.analytic.erlang_a (A, also with finite
lines), sim.analytic.erlang_x (X: redials, exactly or by the fixed point),
sim.analytic.staffing_rules (square-root staffing, Halfin-Whitt, shrinkage);
sim.analytic.numerics holds the log-space building blocks and
sim.analytic.arguments the argument checks.

Numerics
--------
Factorials are never formed. Sums of the stationary distribution are done in
log space with the Poisson-pmf "saddle point" expansion of Loader (2000) and
only over the states that carry mass (a window around the mode), so results
keep ~1e-12 relative accuracy from 1 to 5,000+ servers, up to thousands of
Erlangs, and for probabilities far below 1e-100 (e.g. B(200, 50) ~ 1.5e-57),
until they underflow float64 (then 0.0, never nan).

Erlang A uses exact conditional formulas rather than approximations. With
``x = N mu / theta`` and ``y = lambda / theta`` (theta = 1 / mean patience), a
customer who arrives to find ``k`` others waiting moves forward through phases
with rates ``N mu + j theta`` (j = k, ..., 0) while its own patience runs; with
u = theta t the phase sum S_k satisfies P(S_k <= t) = I_{1-exp(-u)}(k+1, x)
(regularised incomplete beta), and P(answered, wait <= t | k) =
x/(x+k+1) I_{1-exp(-u)}(k+1, x+1). These are mixed over the stationary
distribution of ``k`` (Mandelbaum & Zeltyn 2005, "The Palm/Erlang-A queue, with
applications to call centers"; Garnett, Mandelbaum & Reiman 2002). Mean wait
over all arrivals obeys E[W] = P(abandon) / theta exactly.
"""

from __future__ import annotations

from sim.analytic.arguments import ErlangInputError, TargetUnreachable
from sim.analytic.erlang_a import ErlangA, erlang_a_metrics, erlang_a_servers_needed
from sim.analytic.erlang_bc import ErlangC, erlang_b, erlang_c, erlang_c_metrics, erlang_c_servers_needed
from sim.analytic.erlang_x import MAX_CHAIN_STATES, ErlangX, erlang_x_metrics
from sim.analytic.staffing_rules import agents_to_schedule, halfin_whitt_p_wait, square_root_staffing

__all__ = [
    "ErlangA",
    "ErlangC",
    "ErlangInputError",
    "TargetUnreachable",
    "ErlangX",
    "MAX_CHAIN_STATES",
    "agents_to_schedule",
    "erlang_a_metrics",
    "erlang_a_servers_needed",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "erlang_c_servers_needed",
    "erlang_x_metrics",
    "halfin_whitt_p_wait",
    "square_root_staffing",
]
