"""The pure feedback rules of docs/concepts/feedback.md: scores, tags and fatigue."""

from __future__ import annotations

import pytest

from hindsight.domain.enums import FeedbackSource
from hindsight.domain.errors import ValidationFailed
from hindsight.domain.feedback.ratings import clean_tags, fatigued, score

INLINE, DASHBOARD = FeedbackSource.INLINE, FeedbackSource.DASHBOARD


@pytest.mark.parametrize(
    ("source", "rating", "expected"),
    [
        (INLINE, -1, 0.0),
        (INLINE, 0, 0.5),
        (INLINE, 1, 1.0),
        (DASHBOARD, 1, 0.0),
        (DASHBOARD, 2, 0.25),
        (DASHBOARD, 3, 0.5),
        (DASHBOARD, 4, 0.75),
        (DASHBOARD, 5, 1.0),
    ],
)
def test_scores(source: FeedbackSource, rating: int, expected: float) -> None:
    assert score(source, rating) == expected


@pytest.mark.parametrize(
    ("source", "rating"), [(INLINE, -2), (INLINE, 2), (DASHBOARD, 0), (DASHBOARD, 6)]
)
def test_ratings_out_of_range(source: FeedbackSource, rating: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        score(source, rating)
    assert caught.value.field == "rating"


def test_tags_keep_order_drop_repeats_and_allow_ten() -> None:
    assert clean_tags(None) == []
    assert clean_tags(["b", "a", "b", "x_y-1"]) == ["b", "a", "x_y-1"]
    assert len(clean_tags([f"t{i}" for i in range(10)] + ["t0"])) == 10


@pytest.mark.parametrize(
    "tags", [[f"t{i}" for i in range(11)], ["UPPER"], ["with space"], [""], ["x" * 33]]
)
def test_bad_tags(tags: list[str]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        clean_tags(tags)
    assert caught.value.field == "tags"


@pytest.mark.parametrize(
    ("last_day", "previous_days", "expected"),
    [
        (50, 0, False),  # at the cap, no history
        (51, 0, True),  # over the cap
        (51, 1000, True),  # over the cap whatever the history
        (0, 0, False),
        (13, 98, False),  # mean 7/day: 13 < 14
        (14, 98, True),  # exactly double the mean
        (1, 14, False),
        (2, 14, True),
        (1, 1, True),  # one entry in 14 days: any day's entry doubles that mean
        (0, 14, False),
    ],
)
def test_fatigue(last_day: int, previous_days: int, expected: bool) -> None:
    assert fatigued(last_day, previous_days, daily_cap=50) is expected
