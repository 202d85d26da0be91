"""GraphQL enums: the domain's enums exposed under their fixed names."""

from __future__ import annotations

import strawberry

from hindsight.domain import enums

OutcomeStatus = strawberry.enum(enums.OutcomeStatus)
OutcomeType = strawberry.enum(enums.OutcomeType)
SignalKind = strawberry.enum(enums.SignalKind)
Role = strawberry.enum(enums.Role)
FeedbackTarget = strawberry.enum(enums.FeedbackTarget)
FeedbackSource = strawberry.enum(enums.FeedbackSource)
OutcomeEventKind = strawberry.enum(enums.OutcomeEventKind)
CalibrationMethod = strawberry.enum(enums.CalibrationMethod)
