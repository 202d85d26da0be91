"""The pure coaching rules of docs/concepts/coaching.md: ranking, comparisons, thresholds and
wording."""

from __future__ import annotations

import math

import pytest
from scipy.stats import false_discovery_control

from hindsight.domain.calibration.statistics import two_proportion_z_test
from hindsight.domain.coaching.advice import fix_for
from hindsight.domain.coaching.compare import compare
from hindsight.domain.coaching.escalations import calibration, helpfulness, trigger_patterns
from hindsight.domain.coaching.queries import Rating, Tally, fold
from hindsight.domain.coaching.reports import (
    feedback_mismatches,
    is_improvement_area,
    low_success,
    top_actions,
)

Z = 1.959963984540054


def tally(
    subject: str, positive: int, negative: int, confidence: float = 0.5, **more: int
) -> Tally:
    counts = {"POSITIVE": positive, "NEGATIVE": negative, **more}
    return Tally(subject, counts, confidence * (positive + negative))


def test_fold_sums_confidence_of_decided_outcomes_only() -> None:
    rows = [
        ("a", "POSITIVE", 3, 2.1),
        ("a", "NEGATIVE", 1, 0.5),
        ("a", "PENDING", 4, 3.9),
        ("b", "EXPIRED", 2, 1.0),
    ]
    a, b = fold(rows)
    assert (a.subject, a.decided, a.rate, a.mean_confidence) == ("a", 4, 0.75, 2.6 / 4)
    assert a.all_counts() == {
        "PENDING": 4, "POSITIVE": 3, "NEGATIVE": 1, "AMBIGUOUS": 0, "EXPIRED": 0
    }  # fmt: skip
    assert (b.decided, b.rate, b.interval, b.wilson_low, b.wilson_high) == (0, None, None, 0, 1)


def test_wilson_bounds_of_a_tally_by_hand() -> None:
    t = tally("a", 80, 20)
    n, p = 100, 0.8
    center = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    assert t.wilson_low == pytest.approx(center - half, abs=1e-12)
    assert t.wilson_high == pytest.approx(center + half, abs=1e-12)


def test_three_of_three_never_beats_eighty_of_a_hundred() -> None:
    ranked = top_actions([tally("tiny", 3, 0), tally("solid", 80, 20)], limit=10)
    assert [p.subject for p in ranked] == ["solid", "tiny"]
    assert ranked[0].confidence == pytest.approx(0.7111, abs=1e-4)
    assert ranked[1].confidence == pytest.approx(0.4385, abs=1e-4)
    assert ranked[0].evidence["confidenceMeasure"].startswith("wilsonLow")
    assert top_actions([tally("tiny", 3, 0), tally("solid", 80, 20)], limit=1)[0].subject == "solid"


def test_ranking_ties_break_on_sample_size_then_name() -> None:
    ranked = top_actions([tally("b", 0, 1), tally("a", 0, 1), tally("c", 0, 2)], limit=3)
    assert [p.subject for p in ranked] == ["c", "a", "b"]
    assert top_actions([tally("never", 0, 0)], limit=3) == []


@pytest.mark.parametrize(
    ("positive", "negative", "expected"),
    [
        (0, 4, True),  # upper bound 0.49
        (0, 3, False),  # upper bound 0.56: too few to say
        (39, 61, True),  # 39%, upper bound 0.49
        (40, 60, False),  # 40% is not below 40%
        (3, 7, False),  # 30%, upper bound 0.60
        (0, 0, False),
    ],
)
def test_improvement_area_needs_a_low_rate_and_a_low_upper_bound(
    positive: int, negative: int, expected: bool
) -> None:
    assert is_improvement_area(tally("a", positive, negative)) is expected


def test_low_success_names_a_clearly_better_alternative() -> None:
    tallies = [tally("weak", 2, 38, confidence=0.1), tally("strong", 45, 5)]
    [weak] = low_success(tallies, {})
    assert weak.kind == "LOW_SUCCESS" and weak.subject == "weak"
    assert weak.confidence == pytest.approx(1 - weak.evidence["wilsonHigh"])
    assert "(such as strong)" in weak.recommendation
    assert "2 of 40" in weak.description and "5.0%" in weak.description


@pytest.mark.parametrize(
    ("stated", "rating", "start"),
    [
        (0.8, None, "The agent states 80.0%"),
        (0.2, Rating(10, 9.0), "Reviewers rate a well"),
        (0.2, Rating(10, 1.0), "Reviewers rate a poorly too"),
        (0.2, Rating(10, 5.0), "Use a less"),
    ],
)
def test_recommendations_follow_calibration_then_feedback(
    stated: float, rating: Rating | None, start: str
) -> None:
    assert fix_for(tally("a", 1, 9, confidence=stated), rating, None).startswith(start)


@pytest.mark.parametrize(
    ("positive", "negative", "mean", "count", "verdict"),
    [
        (39, 61, 0.7, 20, "WELL_RATED_FAILING"),
        (39, 61, 0.69, 20, None),
        (40, 60, 0.9, 20, None),
        (70, 30, 0.39, 20, "POORLY_RATED_WORKING"),
        (69, 31, 0.1, 20, None),
        (70, 30, 0.4, 20, None),
        (39, 61, 0.9, 19, None),  # too few ratings
        (5, 14, 0.9, 20, None),  # too few outcomes
    ],
)
def test_feedback_mismatch_thresholds(
    positive: int, negative: int, mean: float, count: int, verdict: str | None
) -> None:
    found = feedback_mismatches(
        [tally("a", positive, negative)], {"a": Rating(count, mean * count)}, 20
    )
    assert [p.evidence["verdict"] for p in found] == ([verdict] if verdict else [])


def test_compare_tests_each_subject_against_the_rest() -> None:
    tallies = [tally("a", 80, 20), tally("b", 50, 50), tally("c", 10, 40), tally("d", 1, 1)]
    found = {c.tally.subject: c for c in compare(tallies, min_samples=20)}
    assert set(found) == {"a", "b", "c"}  # d has too few samples, but counts in the rest
    a = found["a"]
    assert (a.rest_positive, a.rest_decided) == (61, 152)
    assert a.p_value == two_proportion_z_test(80, 100, 61, 152)
    p = [found[s].p_value for s in "abc"]
    assert [found[s].adjusted for s in "abc"] == pytest.approx(false_discovery_control(p))
    assert (a.verdict, found["c"].verdict) == ("ABOVE", "BELOW")


def test_a_lone_subject_is_similar_to_nothing() -> None:
    [only] = compare([tally("a", 30, 10)], min_samples=1)
    assert (only.rest_rate, only.p_value, only.verdict) == (None, 1.0, "SIMILAR")


@pytest.mark.parametrize(
    ("positive", "negative", "expected"),
    [(3, 17, "UNHELPFUL"), (16, 4, "HELPFUL"), (6, 6, "UNCLEAR"), (0, 0, "NO_DATA")],
)
def test_helpfulness_of_a_trigger(positive: int, negative: int, expected: str) -> None:
    assert helpfulness(tally("t", positive, negative)) == expected


@pytest.mark.parametrize(
    ("stated", "expected"),
    [(0.9, "OVER_CONFIDENT"), (0.1, "UNDER_CONFIDENT"), (0.5, "CALIBRATED")],
)
def test_calibration_of_a_trigger_against_its_wilson_interval(stated: float, expected: str) -> None:
    assert calibration(tally("t", 10, 10, confidence=stated)) == expected


def test_trigger_patterns_flag_the_unhelpful_one() -> None:
    pending = Tally("fresh", {"PENDING": 2})
    found = trigger_patterns([tally("legal", 3, 17, 0.7), tally("pricing", 16, 4, 0.7), pending])
    assert [p.subject for p in found] == ["legal", "pricing", "fresh"]
    legal, pricing, fresh = found
    assert legal.recommendation.startswith("Stop escalating on legal")
    assert legal.confidence == pytest.approx(1 - legal.evidence["wilsonHigh"])
    assert "over-confident" in legal.description and "15.0%" in legal.description
    assert legal.evidence["shareOfEscalations"] == 20 / 42
    assert pricing.confidence == pricing.evidence["wilsonLow"]
    assert (fresh.success_rate, fresh.confidence, fresh.sample_size) == (None, 0.0, 0)
    assert "none has been judged" in fresh.description
