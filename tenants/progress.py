"""A progress bar for long commands: redrawn in place on a terminal, a line per 10% otherwise."""

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, total: int, *, label: str = "", stream: TextIO | None = None, width=30):
        self.total = max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_decile = -1
        self.done = 0

    def update(self, done: int, *, note: str = "") -> None:
        self.done = min(done, self.total) if self.total else done
        fraction = self.done / self.total if self.total else 1.0
        filled = int(self.width * fraction)
        line = (
            f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{self.done}/{self.total} ({fraction:4.0%}) {time.monotonic() - self.started:5.1f}s"
            + (f"  {note}" if note else "")
        )
        if self._tty:
            self.stream.write("\r" + line)
        elif int(fraction * 10) != self._last_decile:
            self._last_decile = int(fraction * 10)
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._tty:
            self.stream.write("\n")
            self.stream.flush()
