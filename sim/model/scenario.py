"""The Scenario: the one validated description of a contact centre to simulate.

Everything a run needs — horizon, contact types and their behaviour, the
roster, the bot front door, the money, and the policies to compare — lives in
this pydantic model. It is the single source of truth for inputs, defaults and
bounds: the YAML loader, the CLI and the app all build a ``Scenario`` and let it
do the checking, so no other layer repeats a bound or a default.

Its sections live one concept to a module: sim.model.schema (the strict base
model, bounds, ``FieldError``), sim.model.clock (clock times, daily spans),
sim.model.contact_types, sim.model.agents (shifts and staffing tables),
sim.model.front_door (bot, emergency line, callbacks), sim.model.routing_settings
(overflow, chats), sim.model.economics (``Economics``) and sim.model.policy.
Every public name of those is importable from here too.

Units are in the field names. Durations that are random are distributions in
seconds (``handle_time_s``); clock times are ``"HH:MM"`` strings; shift lengths
and warm-up are in hours because that is how rosters are written. Inside the
model everything is converted to seconds.

Bounds. Every number is bounded to what a contact centre can mean, so that a
validated scenario runs to finite figures (see sim.model.schema and each
field's description); the app reads its widget bounds from this metadata.
Cross-field checks raise ``FieldError`` naming the field by contact type,
policy, shift or table id (``contact_types[fraud].volume.profile``), and
``Scenario.warnings`` lists what validates but is probably not what the
author meant.

A *policy* is a named set of overrides of the base scenario (staffing scale, a
replacement roster, front-door settings, economics). ``Scenario.for_policy``
returns the scenario as that policy would run it; ``Scenario.sections_for``
is the one place a policy's replacements meet the base.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import (
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    field_validator,
    model_validator,
)

from sim.model.agents import (
    Agents,
    Break,
    Shift,
    StaffingTable,
    check_breaks_inside,
    groups_of,
    has_agents,
    scale_agents,
)
from sim.model.capacity import Capacity
from sim.model.clock import WEEKDAYS, Weekday, clock_to_s, in_daily_spans, parse_daily_span
from sim.model.distributions import MAX_DURATION_S
from sim.model.contact_types import (
    BotBehaviour,
    CallbackBehaviour,
    ContactType,
    CurvePoint,
    CurvePoints,
    Loss,
    Redial,
    Volume,
)
from sim.model.economics import Economics
from sim.model.front_door import MAX_CALLBACK_CALLS, CallbackOffer, EmergencyLine, FrontDoor
from sim.model.policy import REPLACEABLE_SECTIONS, Policy, scale_bot_resolution
from sim.model.routing_settings import MAX_CHATS_PER_AGENT, Chat, Overflow, OverflowStage, Routing
from sim.model.schema import (
    MAX_CONTACT_TYPES,
    MAX_COST_PER_HOUR,
    MAX_GROUPS,
    MAX_HEADCOUNT,
    MAX_INTERVALS,
    MAX_MENU_S,
    MAX_MONEY,
    MAX_NIGHT_PREMIUM,
    MAX_PER_DAY,
    MAX_PER_INTERVAL,
    MAX_POLICIES,
    MAX_SEED,
    MAX_WEEKDAY_FACTOR,
    MIN_CV,
    FieldError,
    Identifier,
    Label,
    Money,
    Probability,
    StrictModel,
    Text,
    repeated,
)

# What ``from sim.model.scenario import X`` has always offered, now defined in the section modules.
__all__ = [
    "MAX_CALLBACK_CALLS", "MAX_CHATS_PER_AGENT", "MAX_CONTACT_TYPES", "MAX_COST_PER_HOUR", "MAX_GROUPS",
    "MAX_HEADCOUNT", "MAX_INTERVALS", "MAX_MENU_S", "MAX_MONEY", "MAX_NIGHT_PREMIUM", "MAX_PER_DAY",
    "MAX_PER_INTERVAL", "MAX_POLICIES", "MAX_SEED", "MAX_WEEKDAY_FACTOR", "MIN_CV", "REPLACEABLE_SECTIONS",
    "WEEKDAYS", "Agents", "BotBehaviour", "Break", "CallbackBehaviour", "CallbackOffer", "Chat", "ContactType",
    "CurvePoint", "CurvePoints", "Economics", "EmergencyLine", "FieldError", "FrontDoor", "Identifier", "Label",
    "Loss", "Money", "Overflow", "OverflowStage", "Policy", "Probability", "Redial", "Routing", "Scenario",
    "Shift", "StaffingTable", "StrictModel", "Text", "Volume", "Weekday", "check_breaks_inside", "clock_to_s",
    "groups_of", "has_agents", "in_daily_spans", "parse_daily_span", "repeated", "scale_agents",
    "scale_bot_resolution",
]


class Scenario(StrictModel):
    name: Label = "scenario"
    description: Text = ""
    days: PositiveInt = Field(1, le=366)
    start_weekday: Weekday = "mon"
    interval_min: Literal[15, 30, 60] = 30
    warmup_h: NonNegativeFloat = Field(
        0.0, description="hours at the start left out of the statistics (a whole number of intervals)"
    )
    busyness_cv: NonNegativeFloat = Field(
        0.0, le=3.0, description="cv of the daily gamma busyness factor on all arrivals (0: plain Poisson; else >= 0.001)"
    )
    guarantee_s: PositiveFloat = Field(
        60.0, le=MAX_DURATION_S, description="emergency time-to-human guarantee"
    )
    guarantee_share: Probability = Field(
        0.95, description="share of emergency incidents that must reach a human within guarantee_s"
    )
    contact_types: list[ContactType] = Field(min_length=1, max_length=MAX_CONTACT_TYPES)
    agents: Agents = Field(default_factory=Agents)
    front_door: FrontDoor = Field(default_factory=FrontDoor)
    economics: Economics = Field(default_factory=Economics)
    routing: Routing = Field(default_factory=Routing)
    chat: Chat = Field(default_factory=Chat)
    capacity: Capacity = Field(default_factory=Capacity, description="phone lines and queue places (sim.model.capacity)")
    policies: list[Policy] = Field(default_factory=list, max_length=MAX_POLICIES)
    replications: PositiveInt = Field(10, le=10_000)
    seed: NonNegativeInt = Field(12345, le=MAX_SEED)
    loss_curve_bands: dict[Identifier, Probability] = Field(
        default_factory=dict,
        max_length=MAX_CONTACT_TYPES,
        description=(
            "where each named loss curve the contact types use sits in its bootstrap band: 0.5 the fitted curve, "
            "0 the least and 1 the most severe refit (one experiment factor per curve); filled with 0.5"
        ),
    )
    sources: dict[Annotated[str, Field(max_length=500)], Text] = Field(
        default_factory=dict, max_length=10_000, description="where each number comes from: field path -> note"
    )

    # ----------------------------------------------------------- derived sizes
    @property
    def interval_s(self) -> int:
        return self.interval_min * 60

    @property
    def intervals_per_day(self) -> int:
        return 1440 // self.interval_min

    @property
    def n_intervals(self) -> int:
        """Intervals in the horizon."""
        return self.intervals_per_day * self.days

    def interval_edges_s(self) -> np.ndarray:
        """The n_intervals + 1 interval edges of the horizon, in seconds from its start."""
        return np.arange(self.n_intervals + 1) * float(self.interval_s)

    @property
    def horizon_s(self) -> float:
        return self.days * 86400.0

    @property
    def warmup_s(self) -> float:
        return self.warmup_h * 3600.0

    @property
    def start_weekday_index(self) -> int:
        return WEEKDAYS.index(self.start_weekday)

    def weekday_of_day(self, day: int) -> int:
        """Weekday index (0 = mon) of day ``day`` (0-based; -1 is the day before the start)."""
        return (self.start_weekday_index + day) % 7

    def interval_label(self, i: int) -> str:
        """When interval ``i`` of the horizon starts, as a planner reads it: ``"tue 08:30"``."""
        start = i * self.interval_s
        seconds = start % 86400
        return f"{WEEKDAYS[self.weekday_of_day(start // 86400)]} {seconds // 3600:02d}:{seconds % 3600 // 60:02d}"

    @property
    def baseline_policy(self) -> Policy:
        return next(p for p in self.effective_policies if p.baseline)

    @property
    def effective_policies(self) -> list[Policy]:
        """The policies to run; a scenario without any runs as itself, named 'base'."""
        if not self.policies:
            return [Policy(id="base", label="Base scenario", baseline=True)]
        if any(p.baseline for p in self.policies):
            return list(self.policies)
        first = self.policies[0].model_copy(update={"baseline": True})
        return [first, *self.policies[1:]]

    def unknown_policies(self, policy_ids) -> str | None:
        """What is wrong with ``policy_ids`` ("unknown policy 'x'; this scenario has: a, b"), None if all exist.

        Every caller that takes policy ids (the runner, the studies, the CLI,
        experiment files) says it in these words, prefixed with its own field.
        """
        known = [p.id for p in self.effective_policies]
        unknown = [p for p in policy_ids if p not in known]
        if not unknown:
            return None
        return f"unknown policy {', '.join(map(repr, unknown))}; this scenario has: {', '.join(known)}"

    def policy(self, policy_id: str) -> Policy:
        for p in self.effective_policies:
            if p.id == policy_id:
                return p
        raise KeyError(self.unknown_policies([policy_id]))

    def for_policy(self, policy: Policy | str) -> "Scenario":
        """The scenario as ``policy`` runs it: overrides applied, policies dropped."""
        if isinstance(policy, str):
            policy = self.policy(policy)
        sections = self.sections_for(policy)
        if policy.staffing_scale != 1.0:
            sections["agents"] = scale_agents(sections["agents"], policy.staffing_scale)
        types = self.contact_types
        if policy.bot_resolve_scale != 1.0:
            types = [scale_bot_resolution(c, policy.bot_resolve_scale) for c in types]
        return self.model_copy(update={**sections, "contact_types": types, "policies": []})

    def sections_for(self, policy: Policy) -> dict[str, StrictModel]:
        """Every section a policy may replace, as ``policy`` runs it: its replacement, else the base's.

        By field name (``REPLACEABLE_SECTIONS``), before the policy's scales.
        """
        return {**self._base_sections(), **policy.replaced_sections}

    def _base_sections(self) -> dict[str, StrictModel]:
        return {name: getattr(self, name) for name in REPLACEABLE_SECTIONS}

    def _written(self, name: str) -> list[tuple[str, StrictModel]]:
        """Each place section ``name`` is written, with its path: the base's, then every policy's replacement."""
        return [(name, getattr(self, name))] + [
            (f"policies[{p.id}].{name}", p.replaced_sections[name]) for p in self.policies
            if name in p.replaced_sections
        ]

    # --------------------------------------------------------------- checks
    @model_validator(mode="before")
    @classmethod
    def _fill_curve_bands(cls, data):
        # Every named curve in use gets a band position, so that an experiment can address it by path
        # (loss_curve_bands.instant_transfer) whether or not the file wrote it.
        if not isinstance(data, dict) or not isinstance(data.get("contact_types"), list):
            return data
        named = []
        for ct in data["contact_types"]:
            loss = ct.get("loss") if isinstance(ct, dict) else getattr(ct, "loss", None)
            curve = loss.get("curve") if isinstance(loss, dict) else getattr(loss, "curve", None)
            if isinstance(curve, str):
                named.append(curve)
        bands = data.get("loss_curve_bands")
        if not named or not (bands is None or isinstance(bands, dict)):
            return data
        return {**data, "loss_curve_bands": {**dict.fromkeys(named, 0.5), **(bands or {})}}

    def share_lost(self, contact_type: ContactType, elapsed_s) -> np.ndarray:
        """Share of ``contact_type``'s amount at risk gone after ``elapsed_s``, at its curve's band position."""
        curve = contact_type.loss.curve
        band = self.loss_curve_bands.get(curve, 0.5) if isinstance(curve, str) else 0.5
        return contact_type.loss.share_lost(elapsed_s, band)

    @field_validator("busyness_cv")
    @classmethod
    def _busyness_cv(cls, value: float) -> float:
        if 0 < value < MIN_CV:
            raise ValueError(f"must be 0 (plain Poisson) or at least {MIN_CV:g}")
        return value

    @model_validator(mode="after")
    def _consistent(self):
        dupes = repeated([c.id for c in self.contact_types])
        if dupes:
            raise FieldError("contact_types", f"ids must be unique, repeated: {', '.join(dupes)}")
        if self.warmup_s >= self.horizon_s:
            raise FieldError("warmup_h", f"{self.warmup_h} h must be shorter than the horizon ({self.days} days)")
        if abs(self.warmup_s / self.interval_s - round(self.warmup_s / self.interval_s)) > 1e-9:
            # The statistics window starts with an interval: a warm-up ending inside one would count
            # that interval's later incidents in the totals but not in any interval row.
            raise FieldError(
                "warmup_h", f"{self.warmup_h:g} h must be a whole number of {self.interval_min}-minute intervals"
            )
        per_day, horizon = self.intervals_per_day, self.intervals_per_day * self.days
        for ct in self.contact_types:
            v = ct.volume
            if v.profile is not None and len(v.profile) != per_day:
                raise FieldError(
                    f"contact_types[{ct.id}].volume.profile",
                    f"has {len(v.profile)} values; {self.interval_min}-minute intervals need {per_day}",
                )
            if v.table is not None and len(v.table) not in (per_day, horizon):
                raise FieldError(
                    f"contact_types[{ct.id}].volume.table",
                    f"has {len(v.table)} values; need {self._table_lengths()}",
                )
        self._check_agents(self.agents, "agents")  # the policies' own rosters are checked below
        in_use = {c.loss.curve for c in self.contact_types if isinstance(c.loss.curve, str)}
        unused = sorted(set(self.loss_curve_bands) - in_use)
        if unused:
            raise FieldError(
                "loss_curve_bands",
                f"names curves no contact type uses: {', '.join(unused)} (in use: {', '.join(sorted(in_use)) or 'none'})",
            )
        dupes = repeated([p.id for p in self.policies])
        if dupes:
            raise FieldError("policies", f"ids must be unique, repeated: {', '.join(dupes)}")
        baselines = [p.id for p in self.policies if p.baseline]
        if len(baselines) > 1:
            raise FieldError("policies", f"at most one policy may be the baseline, marked: {', '.join(baselines)}")
        for where, agents in self._written("agents")[1:]:
            self._check_agents(agents, where)
        self._check_features("", self._base_sections(), own=REPLACEABLE_SECTIONS)
        for p in self.policies:
            self._check_features(f"policies[{p.id}].", self.sections_for(p), own=tuple(p.replaced_sections))
        return self

    def _check_features(self, where: str, sections: dict, own: tuple[str, ...]) -> None:
        """Callback, overflow and chat settings name known types and groups (as the policy runs them).

        Only what the policy writes itself (``own``) is checked under its path; the rest is the base's.
        """
        type_ids = {c.id for c in self.contact_types}
        if "front_door" in own:
            unknown = sorted(set(sections["front_door"].callback.offer_to) - type_ids)
            if unknown:
                raise FieldError(f"{where}front_door.callback.offer_to", f"names unknown contact types: {', '.join(unknown)}")
        if "chat" in own:
            unknown = sorted(set(sections["chat"].types) - type_ids)
            if unknown:
                raise FieldError(f"{where}chat.types", f"names unknown contact types: {', '.join(unknown)}")
        if "capacity" in own or "chat" in own:  # lines are checked against the chat types the policy runs
            capacity_at = f"{where}capacity" if "capacity" in own else "capacity"
            for field, message in sections["capacity"].check_against(
                [c.id for c in self.contact_types], sections["chat"].types, capacity_at
            ):
                raise FieldError(field, message)
        if "routing" in own or "agents" in own:
            group_ids = {g.id for _, g in groups_of(sections["agents"])}
            for n, rule in enumerate(sections["routing"].overflow):
                if rule.contact_type not in type_ids:
                    raise FieldError(
                        f"{where}routing.overflow[{rule.contact_type}].contact_type",
                        f"is not a contact type id (known: {', '.join(sorted(type_ids))})",
                    )
                for i, stage in enumerate(rule.stages):
                    unknown = sorted(set(stage.groups) - group_ids)
                    if unknown:
                        raise FieldError(
                            f"{where}routing.overflow[{rule.contact_type}].stages[{i}].groups",
                            f"names groups the roster does not have: {', '.join(unknown)}",
                        )

    def _table_lengths(self) -> str:
        per_day = self.intervals_per_day
        if self.days == 1:
            return f"{per_day} (one per {self.interval_min}-minute interval of the day)"
        return f"{per_day} (one day, repeated) or {per_day * self.days} (every interval of {self.days} days)"

    def _check_agents(self, agents: Agents, where: str) -> None:
        type_ids = {c.id for c in self.contact_types}
        per_day, horizon = self.intervals_per_day, self.intervals_per_day * self.days
        for kind, group in groups_of(agents):
            unknown = sorted(set(group.reserved_for) - type_ids)
            if unknown:
                raise FieldError(
                    f"{where}.{kind}[{group.id}].reserved_for",
                    f"names unknown contact types: {', '.join(unknown)}",
                )
        for table in agents.tables:
            if len(table.agents) not in (per_day, horizon):
                raise FieldError(
                    f"{where}.tables[{table.id}].agents",
                    f"has {len(table.agents)} values; need {self._table_lengths()}",
                )

    # ------------------------------------------------------------- warnings
    @property
    def warnings(self) -> list[str]:
        """What validates but is probably not what the author meant, one line per finding.

        Each line starts with the field it is about, named by id. The CLI
        prints them and the app shows them; a bundled preset has none.
        """
        found: list[str] = []
        for where, door in self._written("front_door"):
            line = door.emergency_line
            if not line.enabled and line.share_of_emergency_callers != 1.0:
                found.append(
                    f"{where}.emergency_line: share_of_emergency_callers is set but the line is not "
                    "enabled: true, so it is ignored"
                )
        skills = {c.required_skill for c in self.contact_types}
        for where, agents in self._written("agents"):
            for kind, group in groups_of(agents):
                for skill in sorted(set(group.skills or ()) - skills):
                    found.append(
                        f"{where}.{kind}[{group.id}].skills: {skill!r} is no contact type's skill "
                        f"(skills needed: {', '.join(sorted(skills))})"
                    )
            staffed = [g for _, g in groups_of(agents) if has_agents(g)]
            if not staffed:
                continue  # a roster with nobody in it is a deliberate choice (a bot-only night, say)
            for ct in self.contact_types:
                if not any(g.serves(ct) for g in staffed):
                    found.append(
                        f"{where}: no agent can serve contact_types[{ct.id}] (skill {ct.required_skill!r}"
                        f"{', not reserved for it' if any(g.reserved_for for g in staffed) else ''}); "
                        "its customers can only wait and give up"
                    )
        for ct in self.contact_types:
            if ct.at_closing == "disconnect" and not ct.hours:
                found.append(f"contact_types[{ct.id}].at_closing: disconnect has no effect without hours "
                             "(the line never closes)")
        if len(self.policies) > 1 and not any(p.baseline for p in self.policies):
            found.append(
                f"policies: none is marked baseline: true; the first, {self.policies[0].id!r}, is used as the baseline"
            )
        return found
