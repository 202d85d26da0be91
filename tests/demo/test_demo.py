"""The demo tells a true story: miscalibrated actions are flagged and adjusted, and the
calibrated confidence lands closer to what was observed than the stated one."""

from __future__ import annotations

from hindsight.demo.calibration import summary
from hindsight.demo.simulation import load_demo
from hindsight.domain.calibration.curves import read_curves
from tests.conftest import Tenant


async def test_demo_calibration_moves_toward_observed(tenant: Tenant) -> None:
    services = tenant.api.services
    lines = await load_demo(services, tenant=tenant.id, n=700, seed=11)
    assert lines[0].startswith("outcomes by status: ")
    curves = await services.db.run(tenant.id, lambda s: read_curves(s, tenant.id))
    by_name = {c.action_type: c for c in curves}
    for name in ("propose_meeting", "advance_deal"):  # stated far above observed
        report = by_name[name]
        n = report.curve.sample_count
        stated = sum(b.count * (b.mean_predicted or 0) for b in report.curve.bins) / n
        observed = sum(b.count * (b.observed_rate or 0) for b in report.curve.bins) / n
        assert stated - observed > 0.15 and report.multiplier < 1.0 and report.adjustments
        assert abs(stated * report.multiplier - observed) < abs(stated - observed)
    settings = services.settings
    table = "\n".join(
        summary(curves, settings.calibration_threshold, settings.calibration_min_samples)
    )
    assert "propose_meeting" in table and "!" in table
    planted = [line for line in lines if line.startswith("  send_pricing_sheet: success rate")]
    assert len(planted) == 1, lines  # the planted drift: one alert of its kind
