"""The named choices the studies offer: staffing methods, break-even kinds, roster requirement methods.

Plain data with no imports, so that the command line can list them in its
options and ``--help`` without loading the studies (and pandas, scipy,
pydantic with them). The studies import their names from here.
"""

ANALYTIC_METHODS: dict[str, str] = {
    "erlang_c": "Erlang C per interval (SIPP; nobody abandons)",
    "erlang_a": "Erlang A per interval (SIPP; exponential patience with the mean patience)",
    "erlang_c_lagged": "Erlang C on the rate one mean service time earlier (lagged PSA)",
    "erlang_a_lagged": "Erlang A on the rate one mean service time earlier (lagged PSA)",
}
METHODS: dict[str, str] = {
    **ANALYTIC_METHODS,
    "isa": "iterative staffing algorithm by simulation (one pool of agents with every skill)",
}

KINDS: dict[str, str] = {
    "staffing": "share of human agents kept (1 = the template's full roster, before its own scale)",
    "bot_resolve": "multiplier on every contact type's bot resolve probability (replaces the template's)",
}

REQUIREMENT_METHODS = ("erlang_c", "erlang_c_lagged", "erlang_a", "erlang_a_lagged", "isa")
PLAN_POLICY = "planned"
