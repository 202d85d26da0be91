"""The Query and Mutation roots, merged from one module of fields per feature."""

from __future__ import annotations

import strawberry

from hindsight.api.calibration import CalibrationMutation, CalibrationQuery
from hindsight.api.coaching import CoachingQuery
from hindsight.api.dashboards import DashboardMutation, DashboardQuery
from hindsight.api.drift import DriftMutation, DriftQuery
from hindsight.api.feedback import FeedbackMutation, FeedbackQuery
from hindsight.api.history import HistoryMutation
from hindsight.api.nodes import NodeQuery
from hindsight.api.outcomes import OutcomeMutation, OutcomeQuery
from hindsight.api.pickers import PickerQuery

QUERIES: tuple[type, ...] = (
    OutcomeQuery,
    NodeQuery,
    CalibrationQuery,
    FeedbackQuery,
    DashboardQuery,
    CoachingQuery,
    PickerQuery,
    DriftQuery,
)
MUTATIONS: tuple[type, ...] = (
    OutcomeMutation,
    CalibrationMutation,
    FeedbackMutation,
    DashboardMutation,
    HistoryMutation,
    DriftMutation,
)

Query = strawberry.type(
    type("Query", QUERIES, {}),
    description="Reads. Every field needs a bearer token; what it shows depends on the role. "
    "Report fields are nullable: one you may not see is null with its own "
    "FORBIDDEN error while the rest of the document answers.",
)
Mutation = strawberry.type(
    type("Mutation", MUTATIONS, {}),
    description="Writes. Input mistakes come back as data (a `…Result` union with "
    "ValidationError), never as a partial write.",
)
