"""The demo's progress bar moves: it redraws whenever its percentage changes on a terminal,
and writes a line per tenth into a log, whatever size the chunks are."""

from __future__ import annotations

import io

from hindsight.demo.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _percent(frame: str) -> int:
    return int(frame.split("]")[1].split("%")[0])


def test_a_log_gets_a_line_per_tenth_even_with_odd_chunks() -> None:
    log = io.StringIO()
    progress = Progress(3898, "demo", log)
    for _ in range(0, 3898, 67):  # chunks that never divide the total evenly
        progress.advance(67)
    percents = [_percent(line) for line in log.getvalue().splitlines()]
    assert [p // 10 for p in percents] == list(range(11))
    assert log.getvalue().splitlines()[-1].endswith("s") and "3898/3898" in log.getvalue()


def test_a_terminal_redraws_in_place_at_every_percent() -> None:
    screen = Terminal()
    progress = Progress(400, "demo", screen)
    for _ in range(200):
        progress.advance(2)
    frames = screen.getvalue().split("\r")[1:]
    assert [_percent(f) for f in frames] == list(range(101))
    assert frames[-1].endswith("\n") and not any(f.endswith("\n") for f in frames[:-1])
