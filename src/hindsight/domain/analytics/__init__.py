"""Dashboards and their metrics (docs/concepts/dashboards.md): ``metrics`` (one declaration per
metric, computed from ``counts``), ``measures`` (the counts read from rollups, response quality from
feedback), ``local_days`` (periods in a zone other than UTC), ``dashboards`` (rep, manager and
executive reports) and ``patterns`` (the shape of a piece of coaching advice, shared with
``domain.coaching``)."""

from hindsight.domain.analytics.dashboards import (
    ExecutiveReport,
    ManagerReport,
    Overview,
    executive_report,
    manager_report,
    overview,
)
from hindsight.domain.analytics.measures import (
    DashboardScope,
    Days,
    Metrics,
    TrendPoint,
    rollup_scope,
)
from hindsight.domain.analytics.patterns import Pattern

__all__ = [
    "DashboardScope",
    "Days",
    "ExecutiveReport",
    "ManagerReport",
    "Metrics",
    "Overview",
    "Pattern",
    "TrendPoint",
    "executive_report",
    "manager_report",
    "overview",
    "rollup_scope",
]
