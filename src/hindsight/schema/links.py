"""Where the nested fields get their data, so type modules never import resolvers.

``Outcome.feedback`` and ``Team.members`` are fields of output types, yet their data comes
from the resolvers layer (authorisation plus a per-request DataLoader). The type modules
ask this module; the root-field wiring modules (``schema/feedback.py``,
``schema/pickers.py``), which import resolvers anyway, hand the resolvers in when they are
imported. Resolvers return domain values; the types map them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hindsight.db import models
from hindsight.domain import directory
from hindsight.schema.context import Context

OutcomeFeedback = Callable[[Context, str], Awaitable[list[models.FeedbackEntry]]]
TeamMembers = Callable[[Context, str], Awaitable[list[directory.Member]]]


@dataclass
class Links:
    outcome_feedback: OutcomeFeedback | None = None
    team_members: TeamMembers | None = None

    def feedback_of(self, ctx: Context, outcome_id: str) -> Awaitable[list[models.FeedbackEntry]]:
        if self.outcome_feedback is None:
            raise RuntimeError("Outcome.feedback: hindsight.schema.feedback was not imported")
        return self.outcome_feedback(ctx, outcome_id)

    def members_of(self, ctx: Context, team_id: str) -> Awaitable[list[directory.Member]]:
        if self.team_members is None:
            raise RuntimeError("Team.members: hindsight.schema.pickers was not imported")
        return self.team_members(ctx, team_id)


LINKS = Links()
