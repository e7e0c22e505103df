"""Closed-form queueing answers (Erlang B, C, A and X): the stationary cases the simulation is checked against."""
