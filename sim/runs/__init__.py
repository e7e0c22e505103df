"""The run layer: replications x policies on common random numbers, and what is read off them.

A run's settings in one object (``settings``: ``RunSettings``, and the one
shape of progress, ``ProgressEvent``), the one recipe for one replication of
one policy (``replication``), the runner, the one executor every multi-run
study uses (``workers``), the results tables and their confidence intervals
(``results``, ``stats``), the precision target, and the guards that keep a
run a user asked for from hanging, crashing or exhausting memory
(docs/design.md §3).
"""

# Here, not in the runner, so that the command line can show it in --help without loading the runner.
DEFAULT_MAX_REPLICATIONS = 200  # with a precision target: where to stop trying
