"""The trim after a wave of closed connections: armed once the wave is big enough, run once
``delay`` after its last close, never per connection."""

from __future__ import annotations

from hindsight.memory import Trimmer
from tests.live.client import eventually


async def test_one_trim_after_a_wave_of_closes() -> None:
    trimmer = Trimmer(threshold=5, delay=0.05)
    for _ in range(4):
        trimmer.connection_closed()
    assert not trimmer.armed  # a few closes are no wave
    for _ in range(20):
        trimmer.connection_closed()
    await eventually(lambda: trimmer.trims == 1)
    assert trimmer.closed == 0 and not trimmer.armed
