"""Studies: questions answered by many runs of the model.

Staffing requirements per interval, break-even search over a policy family,
the cost-of-cutting frontier (``sweep``), roster planning by integer
programming checked by simulation, and experiments over uncertain inputs
(``uncertainty``). Each builds on ``sim.runs`` and never on the CLI or the app.
"""
