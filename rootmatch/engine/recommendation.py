"""One recommended partner or program: its score, components and reasons."""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

from rootmatch.domain.rules import Reason

__all__ = ["Recommendation"]


@frozen(kw_only=True)
class Recommendation:
    """One recommended partner or program.

    Attributes
    ----------
    target : str
        The recommended entity's id.
    kind : {"firm", "institute", "program"}
    score : float
        The blended score (higher is better): the ranking within one kind.
    probability : float or None
        Partners: the calibrated probability that the pair would collaborate (Platt scaling
        of the kind's blend on held-out links), comparable between firms and institutes;
        lists that mix both kinds are ranked by it. ``None`` for programs.
    components : dict of str -> float
        Each signal's contribution (weight × raw component); they add up to ``score``.
    reasons : tuple of Reason
        Short reasons in Korean and English; for programs, the passed rules come first.
    eligible : bool
        ``False`` only for a program's near miss.
    failed_rule : str or None
        The single rule a near miss fails.
    remedy : Reason or None
        What would make a near miss eligible, when the firm can act on it.
    """

    target: str
    kind: str
    score: float
    probability: float | None = None
    components: dict[str, float] = field(factory=dict)
    reasons: tuple[Reason, ...] = ()
    eligible: bool = True
    failed_rule: str | None = None
    remedy: Reason | None = None

    def explain(self, lang: str = "en") -> str:
        """A one-paragraph explanation in ``lang`` (``"ko"`` or ``"en"``)."""
        head = f"{self.kind} {self.target}: {self.score:.4f}"
        if not self.eligible:
            head += " (근접 탈락)" if lang == "ko" else " (near miss)"
        lines = [head] + [f"  - {r.text(lang)}" for r in self.reasons]
        if self.remedy is not None:
            label = "  → 보완: " if lang == "ko" else "  → remedy: "
            lines.append(label + self.remedy.text(lang))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "target": self.target,
            "kind": self.kind,
            "score": float(self.score),
            "probability": None if self.probability is None else float(self.probability),
            "components": {k: float(v) for k, v in self.components.items()},
            "reasons": [{"ko": r.ko, "en": r.en} for r in self.reasons],
            "eligible": self.eligible,
            "failed_rule": self.failed_rule,
            "remedy": None if self.remedy is None else {"ko": self.remedy.ko, "en": self.remedy.en},
        }
