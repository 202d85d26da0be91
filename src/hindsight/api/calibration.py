"""Calibration fields of the Query and Mutation roots (docs/concepts/calibration.md): curves, the
agent's calibrated confidence and ``runCalibration``; each asks one resolver and maps its
domain report onto ``schema/calibration.py``'s types."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hindsight.resolvers import calibration as resolvers
from hindsight.schema import args, enums
from hindsight.schema.calibration import CalibratedConfidence, CalibrationCurve
from hindsight.schema.context import Info


@strawberry.type
class CalibrationQuery:
    @strawberry.field(description="The calibration curve of one action type (empty if unseen).")
    async def calibration_curve(
        self, info: Info, action_type: Annotated[str, args.ACTION_TYPE]
    ) -> CalibrationCurve | None:
        return CalibrationCurve.from_domain(await resolvers.curve(info.context, action_type))

    @strawberry.field(description="The curve of every action type with resolved outcomes.")
    async def calibration_curves(self, info: Info) -> list[CalibrationCurve] | None:
        return [CalibrationCurve.from_domain(r) for r in await resolvers.curves(info.context)]

    @strawberry.field(description="The agent's confidence, calibrated against what happened.")
    async def calibrated_confidence(
        self,
        info: Info,
        action_type: Annotated[str, args.ACTION_TYPE],
        confidence: Annotated[
            float, strawberry.argument(description="The agent's stated confidence, 0..1.")
        ],
        method: Annotated[
            enums.CalibrationMethod | None, strawberry.argument(description="How to calibrate.")
        ] = enums.CalibrationMethod.MULTIPLIER,
    ) -> CalibratedConfidence:
        result = await resolvers.calibrated_confidence(
            info.context, action_type, confidence, method or enums.CalibrationMethod.MULTIPLIER
        )
        return CalibratedConfidence.from_domain(result)


@strawberry.type
class CalibrationMutation:
    @strawberry.mutation(
        description="ADMIN: audit the sums against the outcomes, adjust multipliers, return curves."
    )
    async def run_calibration(
        self, info: Info, action_type: Annotated[str | None, args.ACTION_TYPE] = None
    ) -> list[CalibrationCurve]:
        reports = await resolvers.run_calibration(info.context, action_type)
        return [CalibrationCurve.from_domain(r) for r in reports]
