"""The words and the evidence of coaching patterns: sentences with their numbers, concrete
recommendations, and the evidence block every pattern carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hindsight.domain.coaching.queries import Rating, Tally

WILSON_LOW = "wilsonLow: the 95% Wilson lower bound of the success rate"
WILSON_FAILURE = "1 - wilsonHigh: the 95% Wilson lower bound of the failure rate"
BH = (
    "1 - adjustedPValue: two-proportion z-test against the rest of the tenant, "
    "Benjamini-Hochberg adjusted over testsInFamily tests"
)
OVERCONFIDENT = 0.15  # stated confidence this far above the observed rate is over-confidence
WELL_RATED = 0.7  # a mean feedback score at least this is "well rated"
POORLY_RATED = 0.4  # a mean feedback score below this is "poorly rated"


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def evidence(t: Tally, rating: Rating | None, measure: str, **extra: Any) -> dict[str, Any]:
    """Counts by status, the 95% Wilson interval, mean stated confidence, feedback mean."""
    low, high = t.interval or (None, None)
    return {
        "counts": t.all_counts(),
        "wilsonLow": low,
        "wilsonHigh": high,
        "meanPredictedConfidence": t.mean_confidence,
        "feedbackCount": rating.count if rating else 0,
        "feedbackMean": rating.mean if rating else None,
        "confidenceMeasure": measure,
        **extra,
    }


@dataclass(frozen=True)
class Verdict:
    """How a significant (or not) comparison reads, for actions and for outcome types."""

    phrase: str
    outcome_verb: str
    action_advice: str
    outcome_advice: str


VERDICTS = {
    "ABOVE": Verdict(
        "significantly higher",
        "wins on",
        "Use {s} more where it fits and share its best examples with reps.",
        "Keep the playbook that works for {s} and use it as the model for weaker outcome types.",
    ),
    "BELOW": Verdict(
        "significantly lower",
        "loses on",
        "Use {s} less or rework it; review its negative outcomes with reps.",
        "Focus coaching on {s}: review its negative outcomes and the actions that lead to them.",
    ),
    "SIMILAR": Verdict(
        "no clear difference",
        "holds its own on",
        "Nothing to change yet: {s} performs like the rest of the tenant.",
        "Nothing to change yet: {s} performs like the other outcome types.",
    ),
}


def fix_for(t: Tally, rating: Rating | None, alternative: str | None) -> str:
    """A concrete next step for a failing action, from its calibration and its feedback."""
    rate, stated = t.rate or 0.0, t.mean_confidence
    mean = rating.mean if rating else None
    if stated is not None and stated - rate > OVERCONFIDENT:
        return (
            f"The agent states {pct(stated)} on {t.subject} but it works {pct(rate)} of the "
            f"time: have a rep approve {t.subject} before it goes out, and let calibration "
            f"lower its confidence."
        )
    if mean is not None and mean >= WELL_RATED:
        return (
            f"Reviewers rate {t.subject} well (mean score {mean:.2f}), so the wording is not "
            f"the problem: change when and to whom it is used, and test a different timing."
        )
    if mean is not None and mean < POORLY_RATED:
        return (
            f"Reviewers rate {t.subject} poorly too (mean score {mean:.2f}): rewrite its "
            f"template with the reps who rated it, then A/B test it against the current one."
        )
    instead = f" (such as {alternative})" if alternative else ""
    return (
        f"Use {t.subject} less: route these cases to a better-performing action{instead}, "
        f"and A/B test a reworded version before using it widely again."
    )
