"""The command line, ``python -m sim`` (or ``humanline``): one module per family of subcommands.

``main`` gathers them; ``args`` holds what they share (exit codes, argument
types, the progress bar, ``--out``), so no command module imports another.
"""

from sim.cli.commands import main

__all__ = ["main"]
