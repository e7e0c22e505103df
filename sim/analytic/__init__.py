"""Closed-form queueing answers (Erlang B, C, A and X): the stationary cases the simulation is checked against.

sim.analytic.erlang is the front every caller imports from; the formulas live one model to a module beside it.
"""
