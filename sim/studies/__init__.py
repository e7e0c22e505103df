"""Studies: questions answered by many runs of the model.

Staffing requirements per interval, break-even search over a policy family,
the cost-of-cutting frontier (``sweep``), roster planning by integer
programming checked by simulation, experiments over uncertain inputs
(``uncertainty``), and the fit of the named loss curves to published points
(``loss_fit``; not a simulation study, but a computation the model's
catalogue is generated from). Each builds on ``sim.runs`` and never on the CLI or the app.
"""
