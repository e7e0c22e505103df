"""The model: what a contact centre is and what happens in it, for one policy and one replication.

Scenario (the one validated description of inputs), distributions, arrivals,
the workload drawn from named random streams, the roster, the discrete-event
engine, the metrics that turn its logs into tidy tables, and the economics:
loss curves (with the catalogue of named curves fitted to published points)
and liability rules.
Nothing here reads or writes files or imports a user interface
(docs/design.md §2, §7).
"""
