"""The demo's last act: the scheduled calibration runs, and a table showing what they did.

Each run moves a multiplier by at most ``calibration_max_step``, so the demo runs the
6-hourly job a few times, as the last day of its simulated weeks would have.
"""

from __future__ import annotations

import uuid

from hindsight.domain.calibration import confidence as calibration
from hindsight.domain.calibration.curves import CurveReport
from hindsight.services import Services

ROUNDS = 4  # one simulated day of 6-hourly calibration checks


async def calibrate(
    services: Services, tenant: uuid.UUID, rounds: int = ROUNDS
) -> list[CurveReport]:
    policy = calibration.Policy.from_settings(services.settings)
    curves: list[CurveReport] = []
    for _ in range(rounds):
        curves = await services.db.run(
            tenant,
            lambda s: calibration.run_calibration(s, tenant, policy=policy, now=services.now()),
        )
    return curves


def summary(curves: list[CurveReport], threshold: float, min_samples: int) -> list[str]:
    """Per action type: stated vs observed, the multiplier, and the calibrated confidence;
    ``!`` marks a gap over the threshold with enough samples to act on it."""
    lines = [
        f"{'action type':<22}{'n':>6}{'stated':>8}{'observed':>10}{'flag':>6}"
        f"{'multiplier':>12}{'calibrated':>12}"
    ]
    for report in curves:
        n = report.curve.sample_count
        if not n:
            continue
        stated = sum(b.count * (b.mean_predicted or 0) for b in report.curve.bins) / n
        observed = sum(b.count * (b.observed_rate or 0) for b in report.curve.bins) / n
        flag = "!" if abs(stated - observed) > threshold and n >= min_samples else ""
        calibrated = min(max(stated * report.multiplier, 0.0), 1.0)
        lines.append(
            f"{report.action_type:<22}{n:>6}{stated:>8.2f}{observed:>10.2f}{flag:>6}"
            f"{report.multiplier:>12.2f}{calibrated:>12.2f}"
        )
    return lines
