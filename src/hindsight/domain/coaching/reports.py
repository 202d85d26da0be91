"""Coaching patterns (docs/concepts/coaching.md): what works, what does not, and what to do about
it.

The statistics, each named in ``evidence["confidenceMeasure"]`` of the pattern it backs:
- success rate = POSITIVE / (POSITIVE + NEGATIVE), with a 95% Wilson score interval;
- rankings use the Wilson lower bound, so 3 of 3 (0.44) never beats 80 of 100 (0.71);
- comparisons (``compare``) test a subject against the rest of the tenant with a
  two-proportion z-test, Benjamini–Hochberg adjusted; confidence = 1 − the adjusted p;
- "clearly failing" means the Wilson upper bound is below 0.5; such a pattern's confidence
  is 1 − that bound, the Wilson lower bound of the failure rate.

Every query reads grouped rows only (``queries``) and never commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.domain.analytics.measures import Days
from hindsight.domain.analytics.patterns import Pattern
from hindsight.domain.coaching import queries as q
from hindsight.domain.coaching.advice import (
    POORLY_RATED,
    WELL_RATED,
    WILSON_FAILURE,
    WILSON_LOW,
    evidence,
    fix_for,
    pct,
)
from hindsight.domain.coaching.compare import action_effectiveness, outcome_type_analysis
from hindsight.domain.coaching.escalations import trigger_patterns
from hindsight.domain.coaching.queries import Rating, Tally
from hindsight.domain.errors import ValidationFailed

LOW_RATE = 0.4  # improvement areas succeed less often than this ...
CLEARLY_BELOW = 0.5  # ... and their Wilson upper bound is below this
FAILING = 0.4  # feedback mismatch: well rated (≥ WELL_RATED) but succeeding less than this,
WORKING = 0.7  # or the mirror: poorly rated (< POORLY_RATED) but succeeding at least this
MAX_LIMIT = 100
MAX_MIN_SAMPLES = 1_000_000


def is_improvement_area(t: Tally, min_samples: int = 1) -> bool:
    """Success below 40% and a Wilson upper bound below 0.5: enough samples to say so."""
    return (
        t.rate is not None
        and t.decided >= min_samples
        and t.rate < LOW_RATE
        and t.wilson_high < CLEARLY_BELOW
    )


def low_success(
    tallies: Sequence[Tally], ratings: dict[str, Rating], min_samples: int = 1
) -> list[Pattern]:
    """LOW_SUCCESS action types (``is_improvement_area``), lowest rate first, each with a
    recommendation that follows from its calibration and its feedback."""
    ranked = _ranked(tallies)
    areas = sorted(
        (t for t in tallies if is_improvement_area(t, min_samples)),
        key=lambda t: (t.rate or 0.0, t.subject),
    )
    patterns = []
    for t in areas:
        rating = ratings.get(t.subject)
        sentence = (
            f"{t.subject} succeeds only {pct(t.rate)} of the time ({t.positive} of "
            f"{t.decided} decided); even the 95% upper bound is {pct(t.wilson_high)}, so it "
            f"clearly fails more often than it works."
        )
        best = ranked[0].subject if ranked[0].wilson_low > t.wilson_high else None
        advice = fix_for(t, rating, best)
        proof = evidence(t, rating, WILSON_FAILURE)
        confidence = 1.0 - t.wilson_high
        patterns.append(
            Pattern(
                "LOW_SUCCESS", t.subject, sentence, t.rate, t.decided, confidence, advice, proof
            )
        )
    return patterns


def feedback_mismatches(
    tallies: Sequence[Tally], ratings: dict[str, Rating], min_samples: int
) -> list[Pattern]:
    """FEEDBACK_MISMATCH: well rated (mean ≥ 0.7) but failing (rate < 0.4), or poorly rated
    (mean < 0.4) but working (rate ≥ 0.7); ≥ ``min_samples`` outcomes and ratings each."""
    patterns = []
    for t in tallies:
        rating = ratings.get(t.subject)
        if t.rate is None or rating is None or rating.mean is None:
            continue
        if t.decided < min_samples or rating.count < min_samples:
            continue
        if rating.mean >= WELL_RATED and t.rate < FAILING:
            patterns.append(_mismatch(t, rating, rating.mean, liked=True))
        elif rating.mean < POORLY_RATED and t.rate >= WORKING:
            patterns.append(_mismatch(t, rating, rating.mean, liked=False))
    return patterns


def _mismatch(t: Tally, rating: Rating, mean: float, *, liked: bool) -> Pattern:
    scores = f"mean score {mean:.2f} over {rating.count} ratings"
    counts = f"{pct(t.rate)} ({t.positive} of {t.decided} decided)"
    if liked:
        sentence = f"Reviewers rate {t.subject} well ({scores}) but it succeeds only {counts}."
        advice = (
            f"Do not read the good ratings as proof that {t.subject} works: check when and to "
            f"whom it is sent, and show reviewers what customers actually respond to."
        )
        confidence, measure, verdict = 1.0 - t.wilson_high, WILSON_FAILURE, "WELL_RATED_FAILING"
    else:
        sentence = f"Reviewers rate {t.subject} poorly ({scores}) yet it succeeds {counts}."
        advice = (
            f"Keep using {t.subject}: show reviewers its results before changing it, and find "
            f"out what they dislike that customers do not mind."
        )
        confidence, measure, verdict = t.wilson_low, WILSON_LOW, "POORLY_RATED_WORKING"
    proof = evidence(t, rating, measure, verdict=verdict)
    return Pattern(
        "FEEDBACK_MISMATCH", t.subject, sentence, t.rate, t.decided, confidence, advice, proof
    )


def _ranked(tallies: Sequence[Tally]) -> list[Tally]:
    """Subjects with decided outcomes by Wilson lower bound, then sample size, then name."""
    decided = [t for t in tallies if t.decided]
    return sorted(decided, key=lambda t: (-t.wilson_low, -t.decided, t.subject))


def top_actions(tallies: Sequence[Tally], limit: int) -> list[Pattern]:
    """TOP_ACTION: the ``limit`` best action types by the Wilson lower bound of their rate."""
    decided = sum(t.decided for t in tallies)
    overall = sum(t.positive for t in tallies) / decided if decided else 0.0
    patterns = []
    for rank, t in enumerate(_ranked(tallies)[:limit], start=1):
        sentence = (
            f"{t.subject} ranks #{rank}: {pct(t.rate)} success ({t.positive} of {t.decided} "
            f"decided); with 95% confidence it succeeds at least {pct(t.wilson_low)} of the time."
        )
        advice = _rank_advice(t, overall)
        proof = evidence(t, None, WILSON_LOW, rank=rank, overallRate=overall)
        patterns.append(
            Pattern(
                "TOP_ACTION", t.subject, sentence, t.rate, t.decided, t.wilson_low, advice, proof
            )
        )
    return patterns


def _rank_advice(t: Tally, overall: float) -> str:
    if t.wilson_low > overall:
        return f"Lean on {t.subject}: even its lower bound beats the tenant's {pct(overall)}."
    if t.wilson_high < overall:
        return (
            f"Do not lean on {t.subject}: even its upper bound ({pct(t.wilson_high)}) is below "
            f"the tenant's {pct(overall)}."
        )
    return (
        f"Not yet clearly better than the tenant's {pct(overall)}: collect more outcomes "
        f"before leaning on {t.subject}."
    )


def _check(value: int, field: str, high: int) -> None:
    if not 1 <= value <= high:
        raise ValidationFailed(field, f"must be between 1 and {high:,}")


async def coaching_patterns(
    session: AsyncSession, tenant_id: uuid.UUID, *, days: Days, min_samples: int
) -> list[Pattern]:
    """Action effectiveness, outcome types, low-success areas and feedback mismatches, each
    only for subjects with ≥ ``min_samples`` decided outcomes."""
    _check(min_samples, "minSamples", MAX_MIN_SAMPLES)
    actions = await q.action_tallies(session, tenant_id, days=days)
    kinds = await q.outcome_type_tallies(session, tenant_id, days=days)
    ratings = await q.feedback_by_action(session, tenant_id, days=days)
    return [
        *action_effectiveness(actions, ratings, min_samples),
        *outcome_type_analysis(kinds, min_samples),
        *low_success(actions, ratings, min_samples),
        *feedback_mismatches(actions, ratings, min_samples),
    ]


async def escalation_patterns(
    session: AsyncSession, tenant_id: uuid.UUID, *, days: Days
) -> list[Pattern]:
    """One ESCALATION_TRIGGER pattern per ``metadata.trigger``, most frequent first."""
    return trigger_patterns(await q.trigger_tallies(session, tenant_id, days=days))


async def top_performing_actions(
    session: AsyncSession, tenant_id: uuid.UUID, *, days: Days, limit: int
) -> list[Pattern]:
    """Action types ranked by the Wilson lower bound of their success rate."""
    _check(limit, "limit", MAX_LIMIT)
    return top_actions(await q.action_tallies(session, tenant_id, days=days), limit)


async def improvement_areas(
    session: AsyncSession, tenant_id: uuid.UUID, *, days: Days
) -> list[Pattern]:
    """Action types below 40% success whose Wilson upper bound is below 0.5."""
    actions = await q.action_tallies(session, tenant_id, days=days)
    ratings = await q.feedback_by_action(session, tenant_id, days=days)
    return low_success(actions, ratings)
