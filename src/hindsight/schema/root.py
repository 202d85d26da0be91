"""The Query and Mutation roots, merged from one module of fields per feature."""

from __future__ import annotations

from strawberry.tools import merge_types

from hindsight.schema.calibration import CalibrationMutation, CalibrationQuery
from hindsight.schema.coaching import CoachingQuery
from hindsight.schema.dashboards import DashboardMutation, DashboardQuery
from hindsight.schema.feedback import FeedbackMutation, FeedbackQuery
from hindsight.schema.history import HistoryMutation
from hindsight.schema.nodes import NodeQuery
from hindsight.schema.outcomes import OutcomeMutation, OutcomeQuery
from hindsight.schema.pickers import PickerQuery

QUERIES: tuple[type, ...] = (
    OutcomeQuery,
    NodeQuery,
    CalibrationQuery,
    FeedbackQuery,
    DashboardQuery,
    CoachingQuery,
    PickerQuery,
)
MUTATIONS: tuple[type, ...] = (
    OutcomeMutation,
    CalibrationMutation,
    FeedbackMutation,
    DashboardMutation,
    HistoryMutation,
)

Query = merge_types("Query", QUERIES)
Mutation = merge_types("Mutation", MUTATIONS)
