"""Comparisons against the rest of the tenant: action effectiveness and outcome types.

Each subject with enough decided outcomes is tested against all the other subjects
together (independent samples, unlike a test against an overall rate that contains it)
with a pooled two-proportion z-test; the p-values of one family are Benjamini–Hochberg
adjusted, and a pattern's confidence is 1 − its adjusted p.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hindsight.domain.analytics.patterns import Pattern
from hindsight.domain.calibration.statistics import bh_adjusted, two_proportion_z_test
from hindsight.domain.coaching.advice import BH, VERDICTS, evidence, pct
from hindsight.domain.coaching.queries import Rating, Tally

ALPHA = 0.05  # false discovery rate of a family of comparisons


@dataclass(frozen=True)
class Comparison:
    tally: Tally
    rest_positive: int
    rest_decided: int
    p_value: float
    adjusted: float

    @property
    def rest_rate(self) -> float | None:
        return self.rest_positive / self.rest_decided if self.rest_decided else None

    @property
    def verdict(self) -> str:
        """ABOVE or BELOW the rest when significant at ``ALPHA`` after BH, else SIMILAR."""
        rate, rest = self.tally.rate, self.rest_rate
        if self.adjusted > ALPHA or rate is None or rest is None or rate == rest:
            return "SIMILAR"
        return "ABOVE" if rate > rest else "BELOW"


def compare(tallies: Sequence[Tally], min_samples: int) -> list[Comparison]:
    """Each subject with ≥ ``min_samples`` decided outcomes against all the others together."""
    positive = sum(t.positive for t in tallies)
    decided = sum(t.decided for t in tallies)
    tested = [t for t in tallies if t.decided >= min_samples]
    rests = [(positive - t.positive, decided - t.decided) for t in tested]
    p = [
        two_proportion_z_test(t.positive, t.decided, *r) for t, r in zip(tested, rests, strict=True)
    ]
    adjusted = bh_adjusted(p)
    return [
        Comparison(t, *r, pi, qi) for t, r, pi, qi in zip(tested, rests, p, adjusted, strict=True)
    ]


def _pattern(
    kind: str, c: Comparison, family: int, text: tuple[str, str], rating: Rating | None
) -> Pattern:
    t = c.tally
    extra = {
        "verdict": c.verdict,
        "restRate": c.rest_rate,
        "restSampleSize": c.rest_decided,
        "overallRate": (t.positive + c.rest_positive) / (t.decided + c.rest_decided),
        "pValue": c.p_value,
        "adjustedPValue": c.adjusted,
        "testsInFamily": family,
    }
    proof = evidence(t, rating, BH, **extra)
    return Pattern(
        kind,
        t.subject,
        text[0],
        t.rate,
        t.decided,
        1.0 - c.adjusted,
        text[1],
        proof,
        p_value=c.p_value,
        adjusted_p_value=c.adjusted,
        rest_rate=c.rest_rate,
        tests_in_family=family,
    )


def action_effectiveness(
    tallies: Sequence[Tally], ratings: dict[str, Rating], min_samples: int
) -> list[Pattern]:
    """ACTION_EFFECTIVENESS per action type with enough samples, best Wilson lower bound first."""
    found = sorted(compare(tallies, min_samples), key=lambda c: -c.tally.wilson_low)
    patterns = []
    for c in found:
        t, verdict = c.tally, VERDICTS[c.verdict]
        sentence = (
            f"{t.subject} succeeds {pct(t.rate)} of the time ({t.positive} of {t.decided} "
            f"decided, 95% CI {pct(t.wilson_low)}–{pct(t.wilson_high)}) vs "
            f"{pct(c.rest_rate)} for the tenant's other actions: {verdict.phrase} "
            f"(BH-adjusted p = {c.adjusted:.2g} over {len(found)} tests)."
        )
        text = (sentence, verdict.action_advice.format(s=t.subject))
        rating = ratings.get(t.subject)
        patterns.append(_pattern("ACTION_EFFECTIVENESS", c, len(found), text, rating))
    return patterns


def outcome_type_analysis(tallies: Sequence[Tally], min_samples: int) -> list[Pattern]:
    """OUTCOME_TYPE: which outcome types the agent wins (significantly above the others) and
    which it loses (below), highest rate first."""
    found = sorted(compare(tallies, min_samples), key=lambda c: -(c.tally.rate or 0.0))
    patterns = []
    for c in found:
        t, verdict = c.tally, VERDICTS[c.verdict]
        sentence = (
            f"The agent {verdict.outcome_verb} {t.subject} outcomes: {pct(t.rate)} succeed "
            f"({t.positive} of {t.decided} decided) vs {pct(c.rest_rate)} for the other "
            f"outcome types (BH-adjusted p = {c.adjusted:.2g} over {len(found)} tests)."
        )
        text = (sentence, verdict.outcome_advice.format(s=t.subject))
        patterns.append(_pattern("OUTCOME_TYPE", c, len(found), text, None))
    return patterns
