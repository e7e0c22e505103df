"""Who pays: the platform's liability for its customers' losses, as a rule.

A *claim* is one emergency incident's loss. A rule pays ``share`` of it, at
most ``cap_per_claim``, and only when its conditions hold: the victim had
not reached a human within ``only_if_unanswered_within_s`` (a number of
seconds, or ``"guarantee"``, the scenario's ``guarantee_s``), and the victim
reported within ``only_if_reported_within_h`` hours of the fraud (the
contact type's ``loss.report_delay_s``; without one the victim calls as the
fraud starts). Rules are set per policy through ``economics.liability``;
two policies that differ only in their rule meet the same incidents and
lose the same money: only what the platform pays differs.

``economics.liability_share`` (version 0.1) is the rule "pay that share of
every claim, no cap, no condition", and keeps its results exactly.

Presets (``LIABILITY_PRESETS``), each with its source:

- ``uk_mandatory_2024``: the UK's mandatory reimbursement of authorised
  push-payment fraud (from 7 Oct 2024). The Payment Systems Regulator
  reported GBP 173m reimbursed, 88% of losses, 7 Oct 2024 - 30 Sep 2025,
  with a cap of GBP 85,000 per claim: share 0.88 (the published outcome,
  not the statutory 100%: claims refused for gross negligence and the
  optional excess are in it), cap GBP 85,000, no condition on the wait. Its
  cap is in GBP, so a scenario in another currency must write the rule out.
- ``proposal_2020``: the 2020 proposal behind this project (China, NPC
  2020): the platform pays the losses when a victim could not reach its
  emergency human line in time: share 1, no cap, only when the victim had
  not reached a human within the guarantee.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Discriminator, Field, PositiveFloat, Tag, field_validator

from sim.model.distributions import MAX_VALUE

MAX_REPORT_WINDOW_H = 24 * 366 * 10


class LiabilityRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)

    label: Annotated[str, Field(max_length=200)] = ""
    share: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        1.0, description="share of a claim's loss the platform pays when the conditions hold"
    )
    cap_per_claim: Annotated[float, Field(gt=0, le=MAX_VALUE)] | None = Field(
        None, description="most the platform pays on one claim (currency units); none: no cap"
    )
    only_if_unanswered_within_s: Annotated[
        Annotated[Literal["guarantee"], Tag("unanswered_guarantee")]
        | Annotated[float, Field(gt=0, le=2.6e6), Tag("unanswered_seconds")],
        Discriminator(lambda v: "unanswered_guarantee" if isinstance(v, str) else "unanswered_seconds"),
    ] | None = Field(
        None,
        description=(
            "pay only when the victim had not reached a human within this many seconds ('guarantee': the "
            "scenario's guarantee_s); none: whatever the wait"
        ),
    )
    only_if_reported_within_h: PositiveFloat | None = Field(
        None, le=MAX_REPORT_WINDOW_H,
        description="pay only when the victim reported within this many hours of the fraud (loss.report_delay_s)",
    )
    source: Annotated[str, Field(max_length=2000)] = ""

    @field_validator("only_if_unanswered_within_s", mode="before")
    @classmethod
    def _seconds_or_guarantee(cls, value):
        # One clear message instead of one per branch of the union.
        if isinstance(value, str) and value != "guarantee":
            raise ValueError(f"must be a number of seconds or 'guarantee', got {value!r}")
        return value

    def pays(self, loss, time_to_human_s, report_delay_s, guarantee_s: float) -> np.ndarray:
        """What the platform pays on each claim: ``time_to_human_s`` is inf for a victim never reached."""
        loss = np.asarray(loss, dtype=float)
        eligible = np.ones(loss.shape, dtype=bool)
        if self.only_if_unanswered_within_s is not None:
            limit = guarantee_s if self.only_if_unanswered_within_s == "guarantee" else self.only_if_unanswered_within_s
            eligible &= ~(np.asarray(time_to_human_s, dtype=float) <= limit)
        if self.only_if_reported_within_h is not None:
            eligible &= np.asarray(report_delay_s, dtype=float) <= self.only_if_reported_within_h * 3600.0
        paid = self.share * loss
        if self.cap_per_claim is not None:
            paid = np.minimum(paid, self.cap_per_claim)
        return np.where(eligible, paid, 0.0)

    @property
    def is_plain_share(self) -> bool:
        """Whether the rule is just a share of every loss (version 0.1's ``liability_share``)."""
        return self.cap_per_claim is None and self.only_if_unanswered_within_s is None \
            and self.only_if_reported_within_h is None

    def describe(self, currency: str = "") -> str:
        parts = [f"pays {self.share:.0%} of each loss"]
        if self.cap_per_claim is not None:
            parts.append(f"at most {currency + ' ' if currency else ''}{self.cap_per_claim:,.0f} a claim")
        if self.only_if_unanswered_within_s == "guarantee":
            parts.append("only when the victim did not reach a human within the guarantee")
        elif self.only_if_unanswered_within_s is not None:
            parts.append(f"only when the victim did not reach a human within {self.only_if_unanswered_within_s:g} s")
        if self.only_if_reported_within_h is not None:
            parts.append(f"only when reported within {self.only_if_reported_within_h:g} h of the fraud")
        return ", ".join(parts)


# name -> (rule, the currency its cap is in, or None when it has no cap)
LIABILITY_PRESETS: dict[str, tuple[LiabilityRule, str | None]] = {
    "uk_mandatory_2024": (
        LiabilityRule(
            label="UK mandatory reimbursement (from 7 Oct 2024)",
            share=0.88,
            cap_per_claim=85_000,
            source=(
                "Payment Systems Regulator, 2025: GBP 173m reimbursed, 88% of APP losses, "
                "7 Oct 2024 - 30 Sep 2025; cap GBP 85,000 per claim"
            ),
        ),
        "GBP",
    ),
    "proposal_2020": (
        LiabilityRule(
            label="2020 proposal: the platform pays when its emergency line did not answer in time",
            share=1.0,
            only_if_unanswered_within_s="guarantee",
            source="the 2020 proposal behind this project (China, NPC 2020): the platform pays the losses when "
                   "a victim could not reach the emergency human line in time",
        ),
        None,
    ),
}
