"""Run settings: how many replications, from which seed, in how many processes, to what precision, told to whom.

``RunSettings`` is the one object that carries them to ``sim.run`` and to
every study that runs replications (break-even, sweeps, staffing, the
classroom, experiments, calibration's backtest, the agreement table): a
study takes ``settings=`` and nothing else for them, and the command line
and the app build one from what the user typed.

The bounds are the model's. Replications and seed are also fields of the
Scenario (kept with it, the scenario's own defaults); a setting left as
``None`` means "the scenario's", and one that is set is checked against the
very same field constraints (``Scenario.model_fields``), so a seed the
scenario would refuse is refused here too, with the same words, and no
number is written twice. What only a run has (workers, the precision target
and its cap and confidence) is checked here.

Progress has one shape: the callback receives a ``ProgressEvent`` (``done``
of ``total`` steps, and ``stage``: which part of a study of several parts is
running, ``None`` for a study of one). A front end draws its bar from those
fields, never from the wording of a message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Annotated

from sim.errors import ArgumentError
from sim.runs import DEFAULT_MAX_REPLICATIONS

if TYPE_CHECKING:
    from sim.model.scenario import Scenario


@dataclass(frozen=True)
class ProgressEvent:
    """``done`` of ``total`` steps (policy runs, replications, cases) of ``stage`` (None: the study has one)."""

    done: int
    total: int
    stage: str | None = None

    @property
    def fraction(self) -> float:
        """Share done, 0 to 1 (0 while the total is not known yet)."""
        return min(1.0, self.done / self.total) if self.total > 0 else 0.0


Progress = Callable[[ProgressEvent], None]

# Scenario fields whose constraints a run's settings share: replications and seed.
SCENARIO_FIELDS = ("replications", "seed")


@cache
def _scenario_field_checker(name: str):
    # The Scenario's own constraints on the field, as a stand-alone validator (pydantic is imported only
    # when a setting is actually given, so that building default settings costs nothing at start-up).
    from pydantic import TypeAdapter

    from sim.model.scenario import Scenario

    info = Scenario.model_fields[name]
    return TypeAdapter(Annotated[info.annotation, *info.metadata])


def check_scenario_field(name: str, value: object, argument: str | None = None) -> int:
    """``value`` checked as the Scenario's field ``name`` checks it; ``ArgumentError`` naming ``argument``
    (default: the field) otherwise."""
    from pydantic import ValidationError

    argument = argument or name
    if isinstance(value, bool):  # a flag is not a count, although Python lets it pass for one
        raise ArgumentError("must be a whole number", argument, value=value)
    try:
        return int(_scenario_field_checker(name).validate_python(value, strict=True))
    except ValidationError as exc:
        detail = exc.errors()[0]["msg"]
        raise ArgumentError(detail[0].lower() + detail[1:], argument, value=value) from None


@dataclass(frozen=True)
class RunSettings:
    """How a study runs its replications (module docstring). Every field has a default; None: the scenario's.

    ``replications``: how many (with a ``precision`` target, the first batch);
    ``seed``: the root of every replication's random streams;
    ``workers``: parallel processes (0: one per core; results are identical to
    a sequential run); ``precision``: a relative half-width (0.05 = 5%) at
    ``confidence`` that every policy's net effect and guarantee share must
    reach, adding replications up to ``max_replications``;
    ``progress``: called with a ``ProgressEvent`` as the work advances.
    """

    replications: int | None = None
    seed: int | None = None
    workers: int = 1
    precision: float | None = None
    max_replications: int = DEFAULT_MAX_REPLICATIONS
    confidence: float = 0.95
    progress: Progress | None = field(default=None, compare=False)

    def __post_init__(self):
        for name in SCENARIO_FIELDS:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, check_scenario_field(name, value))
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 0:
            raise ArgumentError("must be 0 (one per core) or more", "workers", value=self.workers)
        if self.precision is not None and not (
                isinstance(self.precision, (int, float)) and 0 < self.precision < 1):
            raise ArgumentError("must be a relative half-width between 0 and 1 (0.05 = 5%)", "precision",
                                value=self.precision)
        if isinstance(self.max_replications, bool) or not isinstance(self.max_replications, int) \
                or self.max_replications < 2:
            raise ArgumentError("must be at least 2", "max_replications", value=self.max_replications)
        check_scenario_field("replications", self.max_replications, "max_replications")
        if not (isinstance(self.confidence, (int, float)) and 0 < self.confidence < 1):
            raise ArgumentError("must be between 0 and 1 (0.95 = 95%)", "confidence", value=self.confidence)

    def replace(self, **changes) -> RunSettings:
        """These settings with ``changes`` (checked again)."""
        return dataclasses.replace(self, **changes)

    def or_defaults(self, replications: int, seed: int) -> RunSettings:
        """These settings with the replications and seed left unset given these values."""
        return self.replace(
            replications=replications if self.replications is None else self.replications,
            seed=seed if self.seed is None else self.seed,
        )

    def for_scenario(self, scenario: Scenario) -> RunSettings:
        """These settings with the replications and seed left unset taken from ``scenario``."""
        return self.or_defaults(scenario.replications, scenario.seed)

    def tell(self, done: int, total: int, stage: str | None = None) -> None:
        """Report progress to the callback, if there is one."""
        if self.progress is not None:
            self.progress(ProgressEvent(int(done), int(total), stage))

    def in_stage(self, stage: str | None, base: int = 0, total: int | None = None) -> RunSettings:
        """These settings, their progress reported as ``stage`` of a study of several stages.

        With ``total``, the inner counts are placed in a larger count: ``done``
        becomes ``base + done`` of ``total`` (the rounds of a loop, one bar).
        ``stage`` None keeps the inner stage; an outer stage replaces an inner
        one, so a study run inside another is shown as the outer one's stage.
        """
        if self.progress is None:
            return self
        outer = self.progress

        def relabelled(event: ProgressEvent) -> None:
            outer(ProgressEvent(base + event.done, event.total if total is None else total,
                                event.stage if stage is None else stage))

        return self.replace(progress=relabelled)

    def counts_from(self, owner: str) -> RunSettings:
        """These settings for a study whose replications and seed are ``owner``'s (a plan, an experiment file).

        Raises ``ArgumentError`` if they were set here too: two sources of one number would leave a
        reader to guess which one ran.
        """
        for name in SCENARIO_FIELDS:
            if getattr(self, name) is not None:
                raise ArgumentError(f"is set by {owner}, not by the run settings", name, value=getattr(self, name))
        return self
