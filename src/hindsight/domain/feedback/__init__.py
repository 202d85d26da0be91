"""Human feedback (docs/concepts/feedback.md): ``ratings`` (the rating rules, recording, reviewer
fatigue), ``reads`` (who sees which entry), ``listing`` (filter, orders, pages) and
``summary`` (counts, mean score, distribution, trend)."""

from hindsight.domain.feedback.listing import FeedbackFilter, count_entries, read_entries
from hindsight.domain.feedback.ratings import (
    RATINGS,
    NewFeedback,
    record_feedback,
    should_request_feedback,
)
from hindsight.domain.feedback.reads import (
    Visibility,
    parse_id,
    read_conversation_feedback,
    read_feedback,
    read_outcome_feedback,
    visibility,
)
from hindsight.domain.feedback.summary import Group, Summary, SummaryFilter, summarise

__all__ = [
    "RATINGS",
    "FeedbackFilter",
    "Group",
    "NewFeedback",
    "Summary",
    "SummaryFilter",
    "Visibility",
    "count_entries",
    "parse_id",
    "read_conversation_feedback",
    "read_entries",
    "read_feedback",
    "read_outcome_feedback",
    "record_feedback",
    "should_request_feedback",
    "summarise",
    "visibility",
]
