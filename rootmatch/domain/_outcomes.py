"""What a rule check gives back: reasons, one rule's outcome, a firm's eligibility."""

from __future__ import annotations

import datetime as dt

from attrs import frozen

__all__ = ["EligibilityResult", "Reason", "RuleOutcome"]


@frozen
class Reason:
    """A short explanation in Korean and English."""

    ko: str
    en: str

    def text(self, lang: str = "en") -> str:
        """The text in ``lang`` (``"ko"`` or ``"en"``)."""
        return self.ko if lang == "ko" else self.en

    def __str__(self) -> str:
        return self.en


@frozen(kw_only=True)
class RuleOutcome:
    """One rule's outcome for one firm: whether it passed, why, and (if failed) a remedy."""

    rule: str
    passed: bool
    reason: Reason
    remedy: Reason | None = None

    def __str__(self) -> str:
        return f"[{'pass' if self.passed else 'FAIL'}] {self.reason.en}"


@frozen(kw_only=True)
class EligibilityResult:
    """Every rule's outcome for a firm and a program on a date.

    Attributes
    ----------
    eligible : bool
        All rules passed.
    reasons : tuple of RuleOutcome
        The outcome of every rule, passed or failed, in the program's order; never empty.
    """

    program_id: str
    firm_id: str
    on: dt.date
    eligible: bool
    reasons: tuple[RuleOutcome, ...]

    @property
    def failed(self) -> tuple[RuleOutcome, ...]:
        """The failed rules' outcomes."""
        return tuple(r for r in self.reasons if not r.passed)

    def explain(self, lang: str = "en") -> str:
        """A multi-line explanation in ``lang``."""
        head = {
            ("en", True): f"{self.firm_id} is eligible for {self.program_id} on {self.on}",
            ("en", False): f"{self.firm_id} is NOT eligible for {self.program_id} on {self.on}",
            ("ko", True): f"{self.firm_id}: {self.on} 기준 {self.program_id} 신청 가능",
            ("ko", False): f"{self.firm_id}: {self.on} 기준 {self.program_id} 신청 불가",
        }[("ko" if lang == "ko" else "en", self.eligible)]
        mark = {True: "✓", False: "✗"}
        lines = [head] + [f"  {mark[r.passed]} {r.reason.text(lang)}" for r in self.reasons]
        return "\n".join(lines)
