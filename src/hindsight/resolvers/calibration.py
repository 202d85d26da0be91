"""Calibration resolvers: read the viewer, check the right, run one domain call.

They return domain values; the root fields (``api/calibration.py``) map them onto the
types of ``schema/calibration.py``.
"""

from __future__ import annotations

from hindsight.context import Context
from hindsight.domain import validation
from hindsight.domain.calibration import confidence as calibration
from hindsight.domain.calibration.curves import CurveReport, read_curves
from hindsight.domain.enums import CalibrationMethod
from hindsight.resolvers.common import authorize, in_tenant, read_in_tenant, read_lean


def _policy(ctx: Context) -> calibration.Policy:
    return calibration.Policy.from_settings(ctx.services.settings)


async def curve(ctx: Context, action_type: str) -> CurveReport:
    await authorize(ctx, "calibrationCurve")
    names = [validation.action_type(action_type)]
    reports = await read_in_tenant(ctx, lambda s: read_curves(s, ctx.viewer.tenant_id, names))
    return reports[0]


async def curves(ctx: Context) -> list[CurveReport]:
    await authorize(ctx, "calibrationCurves")
    return await read_in_tenant(ctx, lambda s: read_curves(s, ctx.viewer.tenant_id))


async def calibrated_confidence(
    ctx: Context, action_type: str, confidence: float, method: CalibrationMethod
) -> calibration.Calibrated:
    await authorize(ctx, "calibratedConfidence")
    policy = _policy(ctx)
    return await read_lean(
        ctx,
        lambda s: calibration.calibrated_confidence(
            s, ctx.viewer.tenant_id, action_type, confidence, method=method, policy=policy
        ),
    )


async def run_calibration(ctx: Context, action_type: str | None) -> list[CurveReport]:
    await authorize(ctx, "runCalibration")
    policy, now = _policy(ctx), ctx.services.now()
    return await in_tenant(
        ctx,
        lambda s: calibration.run_calibration(
            s, ctx.viewer.tenant_id, action_type, policy=policy, now=now
        ),
    )
