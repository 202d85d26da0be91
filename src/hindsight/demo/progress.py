"""A progress bar for ``hindsight demo`` that redraws whenever its percentage moves.

On a terminal it redraws one line in place; into a file or a CI log it writes a line at
every tenth, so the log shows movement without a wall of carriage returns."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class Progress:
    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total, self.label, self.done = max(total, 1), label, 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.perf_counter()
        self._shown = -1

    def advance(self, n: int = 1) -> None:
        self.done = min(self.done + n, self.total)
        percent = 100 * self.done // self.total
        step = percent if self.tty else percent // 10 * 10
        if step != self._shown:
            self._shown = step
            self._draw(percent)

    def _draw(self, percent: int) -> None:
        filled = WIDTH * self.done // self.total
        bar = "#" * filled + "." * (WIDTH - filled)
        seconds = time.perf_counter() - self.started
        line = f"{self.label} [{bar}] {percent:3d}% {self.done}/{self.total} {seconds:5.1f}s"
        end = "\n" if not self.tty or self.done >= self.total else ""
        self.stream.write(("\r" if self.tty else "") + line + end)
        self.stream.flush()
