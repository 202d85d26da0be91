"""Escalation triggers (docs/concepts/coaching.md): how often each ``metadata.trigger`` fires, how
often escalating on it helped (POSITIVE share of POSITIVE + NEGATIVE), and whether the agent's
stated confidence on those escalations matched that rate."""

from __future__ import annotations

from collections.abc import Sequence

from hindsight.domain.analytics.patterns import Pattern
from hindsight.domain.coaching.advice import WILSON_FAILURE, WILSON_LOW, evidence, pct
from hindsight.domain.coaching.queries import Tally

UNHELPFUL_BELOW = 0.5  # Wilson upper bound of the helpful rate below this: stop escalating


def helpfulness(t: Tally) -> str:
    """UNHELPFUL when the Wilson upper bound is below 0.5, HELPFUL when the lower bound is
    above it, UNCLEAR in between, NO_DATA before any escalation was judged."""
    if t.interval is None:
        return "NO_DATA"
    low, high = t.interval
    if high < UNHELPFUL_BELOW:
        return "UNHELPFUL"
    return "HELPFUL" if low > UNHELPFUL_BELOW else "UNCLEAR"


def calibration(t: Tally) -> str:
    """OVER_CONFIDENT when the mean stated confidence of the judged escalations lies above
    the 95% Wilson interval of their helpful rate, UNDER_CONFIDENT below it, else CALIBRATED."""
    if t.interval is None or t.mean_confidence is None:
        return "NO_DATA"
    low, high = t.interval
    if t.mean_confidence > high:
        return "OVER_CONFIDENT"
    return "UNDER_CONFIDENT" if t.mean_confidence < low else "CALIBRATED"


CALIBRATION_WORDS = {
    "OVER_CONFIDENT": "over-confident",
    "UNDER_CONFIDENT": "under-confident",
    "CALIBRATED": "calibrated",
}


def trigger_patterns(tallies: Sequence[Tally]) -> list[Pattern]:
    """ESCALATION_TRIGGER per trigger, most frequent first."""
    total = sum(sum(t.counts.values()) for t in tallies)
    fired = sorted(tallies, key=lambda t: (-sum(t.counts.values()), t.subject))
    return [_pattern(t, total) for t in fired if sum(t.counts.values())]


def _pattern(t: Tally, total: int) -> Pattern:
    fires = sum(t.counts.values())
    verdict, calibrated = helpfulness(t), calibration(t)
    unhelpful = verdict == "UNHELPFUL"
    low, high = t.interval or (0.0, 1.0)
    extra = {
        "fires": fires,
        "shareOfEscalations": fires / total,
        "helpfulness": verdict,
        "calibration": calibrated,
        "calibrationGap": None if t.rate is None else (t.mean_confidence or 0.0) - t.rate,
    }
    return Pattern(
        kind="ESCALATION_TRIGGER",
        subject=t.subject,
        description=_sentence(t, fires, total),
        success_rate=t.rate,
        sample_size=t.decided,
        confidence=1.0 - high if unhelpful else low,
        recommendation=_advice(t, verdict, calibrated),
        evidence=evidence(t, None, WILSON_FAILURE if unhelpful else WILSON_LOW, **extra),
    )


def _sentence(t: Tally, fires: int, total: int) -> str:
    fired = f"Escalating on {t.subject} fired {fires} times ({pct(fires / total)} of escalations)"
    if t.interval is None:
        return f"{fired}; none has been judged helpful or unhelpful yet."
    low, high = t.interval
    word = CALIBRATION_WORDS[calibration(t)]
    return (
        f"{fired}; it helped {pct(t.rate)} of the time ({t.positive} of {t.decided} judged, "
        f"95% CI {pct(low)}–{pct(high)}) while the agent's stated confidence averaged "
        f"{pct(t.mean_confidence)}, so the agent is {word} on it."
    )


def _advice(t: Tally, verdict: str, calibrated: str) -> str:
    advice = {
        "UNHELPFUL": (
            f"Stop escalating on {t.subject}, or raise the bar for it: escalate only when the "
            f"agent cannot answer at all, since only {pct(t.rate)} of these escalations helped."
        ),
        "HELPFUL": f"Keep escalating on {t.subject}: people find these escalations helpful.",
        "UNCLEAR": f"Keep watching {t.subject}: not enough evidence yet to change the rule.",
        "NO_DATA": f"Ask people to judge escalations on {t.subject} so they can be assessed.",
    }[verdict]
    if calibrated == "OVER_CONFIDENT":
        advice += " The agent is over-confident on these escalations: let calibration lower it."
    elif calibrated == "UNDER_CONFIDENT":
        advice += " The agent is under-confident on these escalations: let calibration raise it."
    return advice
