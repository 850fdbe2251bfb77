"""``decide``: the list of rule results is the decision (stored as given with the application)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from . import rules
from .facts import ApplicantInput, CampaignTerms, RegistryFacts
from .rules import Check


@dataclass(frozen=True)
class Decision:
    checks: tuple[Check, ...]
    amount: Decimal | None
    is_makeup: bool

    @property
    def eligible(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]

    def conflict(self) -> Check | None:
        """The first failure that is a conflict with existing state (answered 409)."""
        return next((check for check in self.failures if check.code), None)

    def as_list(self) -> list[dict[str, object]]:
        return [check.as_dict() for check in self.checks]


def decide(applicant: ApplicantInput, terms: CampaignTerms, facts: RegistryFacts, *, today: dt.date) -> Decision:
    checks = (
        rules.rule_member(applicant, facts),
        rules.rule_promotion(applicant, terms),
        rules.rule_window(applicant, terms, facts),
        rules.rule_issuer(applicant, terms, facts),
        rules.rule_once(terms, facts),
        rules.rule_deadline(terms, facts, today),
    )
    eligible = all(check.passed for check in checks)
    # The amount is the current campaign's, make-up certificates included (DOMAIN.md §3).
    amount = terms.amounts.get(applicant.new_level) if eligible else None
    return Decision(checks=checks, amount=amount, is_makeup=rules.is_makeup(applicant, terms))
