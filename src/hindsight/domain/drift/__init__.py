"""Drift: ``evalues`` (the CALIBRATION e-process, pure numpy), ``success``
(the SUCCESS_RATE monitor, river's ADWIN), ``feed`` (each resolution once, in order),
``monitors`` (one locked batch through both monitors) and ``alerts`` (reading and
acknowledging alerts, the monitors now)."""
