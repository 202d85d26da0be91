"""The outcome-type registry (``rules.OUTCOME_TYPES``) is complete: adding an OutcomeType
member without its declaration fails here, not in production."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from hindsight.domain.enums import OutcomeStatus, OutcomeType, SignalKind
from hindsight.domain.outcomes.detection import JOBS
from hindsight.domain.outcomes.rules import AFFECTS, OUTCOME_TYPES, OutcomeRules, SignalFact, decide
from hindsight.settings import Settings
from hindsight.workers.scheduler import intervals

FIELDS = Settings.model_fields


def test_every_outcome_type_has_one_declaration() -> None:
    assert list(OUTCOME_TYPES) == list(OutcomeType)


@pytest.mark.parametrize("outcome_type", list(OutcomeType))
def test_each_declaration_names_real_settings(outcome_type: OutcomeType) -> None:
    rule = OUTCOME_TYPES[outcome_type]
    assert rule.signals, "a type no signal can decide only ever ends by its window"
    assert FIELDS[rule.window_setting].annotation is float
    if rule.safety_net is not None:
        assert rule.safety_net.interval_setting in FIELDS
        assert outcome_type in JOBS[rule.safety_net.job].outcome_types


@pytest.mark.parametrize("outcome_type", list(OutcomeType))
def test_window_end_is_final_and_not_a_success(outcome_type: OutcomeType) -> None:
    decision = OUTCOME_TYPES[outcome_type].at_window_end(())
    assert decision.status not in (OutcomeStatus.PENDING, OutcomeStatus.POSITIVE)
    assert decision.reason and decision.signal_id is None


def test_windows_come_from_the_declared_settings() -> None:
    settings = Settings.model_construct(window_qualification_hours=12.0)
    windows = OutcomeRules.from_settings(settings).windows
    assert windows[OutcomeType.QUALIFICATION].total_seconds() == 12 * 3600
    assert set(windows) == set(OutcomeType)


def test_every_signal_kind_decides_something() -> None:
    assert all(AFFECTS[kind] for kind in SignalKind)


def test_every_detection_job_is_scheduled_and_window_end_runs_last() -> None:
    scheduled = intervals(Settings.model_construct())
    assert set(JOBS) <= set(scheduled)
    assert list(JOBS)[-1] == "window_end" and JOBS["window_end"].closes_windows
    assert JOBS["window_end"].outcome_types == frozenset(OutcomeType)


def test_only_deal_signals_make_a_deal_required() -> None:
    by_deal = {t for t, rule in OUTCOME_TYPES.items() if rule.by_deal}
    assert by_deal == {OutcomeType.DEAL_PROGRESSION}


def test_a_signal_kind_outside_the_declaration_decides_nothing() -> None:
    rules = OutcomeRules.from_settings(Settings.model_construct())
    meeting = SignalFact(uuid.uuid4(), SignalKind.MEETING_BOOKED, dt.datetime.now(dt.UTC))
    assert decide(OutcomeType.IMMEDIATE_RESPONSE, [meeting], rules) is None
    assert decide(OutcomeType.ENGAGEMENT, [meeting], rules) is not None
