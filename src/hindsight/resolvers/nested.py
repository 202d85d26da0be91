"""The data of nested fields, handed to each ``Context`` the app makes (``context.py``)."""

from __future__ import annotations

from hindsight.context import NestedReads
from hindsight.resolvers import feedback, pickers

NESTED = NestedReads(outcome_feedback=feedback.outcome_feedback, team_members=pickers.team_members)
