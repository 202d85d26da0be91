"""The SUCCESS_RATE monitor: river's ADWIN over y (1 POSITIVE, 0 NEGATIVE).

Detection, the kept window and its estimate all come from ``river.drift.ADWIN`` (delta from
settings, river's other defaults); nothing of ADWIN is written here. Its state persists as
a plain, versioned record: the run's 0/1 values since the monitor's start, packed into bits.
Replaying them into a fresh ADWIN rebuilds exactly the detector that saw them one by one
(ADWIN is deterministic, and a run ends at its first alert, so a replay never reaches one),
so a restart — or another worker — continues the same monitor. River's ADWIN is native
code: a replay of a million resolutions takes a fraction of a second.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from river.drift import ADWIN

from hindsight.domain.enums import DriftDirection

STATE_VERSION = 1


@dataclass
class SuccessState:
    """One run of the monitor since its start: its 0/1 values, in the order they were fed."""

    values: list[int] = field(default_factory=list)
    width: int = 0  # ADWIN's window after the last value
    estimate: float | None = None  # ADWIN's mean over that window

    @property
    def n(self) -> int:
        return len(self.values)

    def to_json(self) -> dict[str, object]:
        packed = np.packbits(np.array(self.values, dtype=np.uint8)).tobytes()
        return {
            "v": STATE_VERSION,
            "n": self.n,
            "bits": base64.b64encode(packed).decode(),
            "width": self.width,
            "estimate": self.estimate,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SuccessState:
        if not data:
            return cls()
        if data.get("v") != STATE_VERSION:
            raise ValueError(f"unknown success-rate monitor state version {data.get('v')!r}")
        n = int(data["n"])
        packed = np.frombuffer(base64.b64decode(str(data["bits"])), dtype=np.uint8)
        values = [int(v) for v in np.unpackbits(packed)[:n]]
        estimate = data.get("estimate")
        width = int(data.get("width") or 0)
        return cls(values, width, None if estimate is None else float(estimate))


@dataclass(frozen=True)
class RateWindow:
    rate: float
    count: int


@dataclass(frozen=True)
class SuccessAlarm:
    """ADWIN dropped an older sub-window (``before``) whose rate differs from the kept one."""

    index: int  # position in the fed batch
    sample_size: int
    before: RateWindow
    after: RateWindow
    direction: DriftDirection


def detector(values: Sequence[int], delta: float) -> ADWIN:
    """A fresh river ADWIN that has seen ``values`` in order (the persisted state, replayed).

    river is imported here, on first use: ``river.drift`` pulls in SciPy (about 1 s and 90 MB),
    which API replicas, which never run the drift job, need not pay for."""
    from river.drift import ADWIN

    adwin = ADWIN(delta=delta)
    for value in values:
        adwin.update(value)
    return adwin


def feed(
    state: SuccessState, ys: Sequence[int], *, delta: float, min_samples: int
) -> tuple[SuccessState, SuccessAlarm | None]:
    """Add values in order; stop at the first detection with at least ``min_samples`` since
    the start. The dropped sub-window is what the window held before minus what it keeps."""
    adwin = detector(state.values, delta)
    values = list(state.values)
    for index, value in enumerate(ys):
        y = int(value)
        width, total = int(adwin.width), float(adwin.total)
        adwin.update(y)
        values.append(y)
        if adwin.drift_detected and len(values) >= min_samples:
            kept = RateWindow(float(adwin.estimation), int(adwin.width))
            dropped_count = width + 1 - kept.count
            dropped_sum = total + y - float(adwin.total)
            before = RateWindow(float(dropped_sum / dropped_count), dropped_count)
            up = kept.rate > before.rate
            alarm = SuccessAlarm(
                index, len(values), before, kept, DriftDirection.UP if up else DriftDirection.DOWN
            )
            return SuccessState(values, kept.count, kept.rate), alarm
    estimate = float(adwin.estimation) if adwin.width else None
    return SuccessState(values, int(adwin.width), estimate), None
