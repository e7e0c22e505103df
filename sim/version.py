"""humanline's version, on its own so that the layers that print it (the CLI's report, the app) need not import
the ``sim`` package that lazily imports them. pyproject.toml carries the same number."""

__version__ = "0.1.0"
