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


_NO_VALUE = object()


class ArgumentError(ValueError):
    """One argument of a study or a formula that cannot be used.

    ``argument`` names the parameter at fault (``None`` when no single one is),
    ``detail`` says what is wrong and ``value`` is the value refused (when one
    was), so that a caller can name the argument the way its user typed it
    (``--max-agents``, a widget's label) without reading the message.
    """

    def __init__(self, detail: str, argument: str | None = None, *, value: object = _NO_VALUE):
        self.argument = argument
        self.detail = detail
        self.value = value
        super().__init__(self.named(argument) if argument else self.named(None))

    def named(self, name: str | None, shown: object = _NO_VALUE) -> str:
        """The message with the argument called ``name``, and the refused value written as ``shown``."""
        text = self.detail
        if self.value is not _NO_VALUE:
            text += f", got {self.value!r}" if shown is _NO_VALUE else f", got {shown}"
        return f"{name}: {text}" if name else text
