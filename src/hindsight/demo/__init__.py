"""``hindsight demo``: ``simulation`` (the plan of weeks of synthetic activity and loading
it), ``replay`` (the bulk path through the set-based domain functions), ``feedback``,
``calibration`` (the closing calibration runs), ``progress`` (the bar), ``store`` (is the
demo there, ``--reset``) and ``run`` (load once, tell a new user where to go: the CLI's
entry, ``hindsight.demo.run.run_demo``; not re-exported here, as it imports ``web``, which
imports this package)."""

from hindsight.demo.simulation import DEMO_TENANT, load_demo

__all__ = ["DEMO_TENANT", "load_demo"]
