"""Outcomes (docs/concepts/outcomes.md): recording, signals, the per-type rules, resolution and its
window detection, rollups, listing and importing history.

Modules: ``rules`` (one declaration per outcome type), ``writes`` (recording), ``signals``,
``resolution`` (deciding an outcome, feeding rollups and calibration sums), ``detection``
(window-end jobs), ``rollups``, ``lookup`` (one outcome: read, scope, resolve), ``listing``
and ``history`` (``importOutcomes``).
"""

from hindsight.domain.outcomes.detection import (
    JOBS,
    Cursor,
    DetectionJob,
    JobReport,
    detect_batch,
    tenant_ids,
)
from hindsight.domain.outcomes.history import PastOutcome, import_outcomes
from hindsight.domain.outcomes.listing import OutcomeFilter, count_outcomes, read_outcomes
from hindsight.domain.outcomes.lookup import read_outcome, resolve_outcome, scoped
from hindsight.domain.outcomes.rules import OutcomeRules
from hindsight.domain.outcomes.signals import (
    NewSignal,
    read_signal,
    record_signal,
    record_signals,
)
from hindsight.domain.outcomes.writes import (
    NewOutcome,
    check_batch_size,
    record_outcome,
    record_outcomes,
)

__all__ = [
    "JOBS",
    "Cursor",
    "DetectionJob",
    "JobReport",
    "NewOutcome",
    "NewSignal",
    "OutcomeFilter",
    "OutcomeRules",
    "PastOutcome",
    "check_batch_size",
    "count_outcomes",
    "detect_batch",
    "import_outcomes",
    "read_outcome",
    "read_outcomes",
    "read_signal",
    "record_outcome",
    "record_outcomes",
    "record_signal",
    "record_signals",
    "resolve_outcome",
    "scoped",
    "tenant_ids",
]
