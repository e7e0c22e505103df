"""The one shape of "your input cannot be used": a list of problems, each naming its field.

Scenario files, experiment files and planning files all fail the same way:
every problem is one line that starts with the field (by id where there is
one) and says what is wrong, and callers — the CLI's exit code 2, the app's
message — read ``problems`` rather than match message text.
"""

from __future__ import annotations


class InputProblems(ValueError):
    """Input that cannot be used; ``problems`` has one line per field at fault, ``source`` the file."""

    heading = "invalid input"

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = problems
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(where + self.heading + "\n" + "\n".join(f"  - {p}" for p in problems))


class ArgumentError(ValueError):
    """One argument of a study or a formula that cannot be used.

    ``argument`` names the parameter at fault (``None`` when no single one is)
    and ``detail`` says what is wrong, so that a caller can name the argument
    the way its user typed it (``--max-agents``, a widget's label) without
    reading the message.
    """

    def __init__(self, detail: str, argument: str | None = None):
        super().__init__(f"{argument}: {detail}" if argument else detail)
        self.argument = argument
        self.detail = detail
