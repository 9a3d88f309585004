"""Progress of a long operator command (`generate`, `feed import`), written to stderr.

On a terminal, one line redrawn in place: a bar, the count, the rate, the time so far and an
estimate of the time left. It is redrawn every second by a small thread even when the count has
not moved (a chunk of an import is committed as a whole), so the screen never sits still for
long. Elsewhere (a log, a pipe, the demo) plain lines: one for each new count, and a short
"still working" line when nothing new has come for a few seconds. The same line never prints
twice.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

WIDTH = 30


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """``update(done)`` as work is done; ``close()`` at the end (also on error: use ``with``).

    ``line(done, total)``, when given, is the plain line for a new count (a format other
    programs read, like the import's "N of M rows committed (P%)"); ``working(done, total,
    elapsed)`` the plain line while waiting. Both default to a plain count.
    """

    def __init__(
        self,
        label: str,
        total: int,
        *,
        unit: str = "rows",
        stream: TextIO | None = None,
        tty: bool | None = None,
        redraw_every: float = 1.0,
        plain_every: float = 5.0,
        line: Callable[[int, int], str] | None = None,
        working: Callable[[int, int, float], str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.total, self.unit = label, max(0, total), unit
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.redraw_every, self.plain_every = redraw_every, plain_every
        self._line = line or (lambda d, t: f"{label}: {d:,} of {t:,} {unit} ({_percent(d, t)}%)")
        self._working = working or (
            lambda d, t, e: f"{label}: still working ({d:,} of {t:,} {unit} so far, {e:.0f} s)"
        )
        self.clock = clock
        self.started = clock()
        self.done = 0
        self._last_text = ""
        self._last_plain = self.started
        self._drawn = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- use -------------------------------------------------------------------------------

    def __enter__(self) -> Progress:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the thread that keeps the line moving between updates."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._tick, name="progress", daemon=True)
            self._thread.start()

    def update(self, done: int, total: int | None = None) -> None:
        with self._lock:
            if total is not None:
                self.total = total
            moved = done != self.done
            self.done = done
            if self.tty:
                self._draw()
            elif moved or not self._last_text:
                self._plain(self._line(done, self.total))

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            if self.tty and self._drawn:
                self.stream.write("\n")
                self.stream.flush()
                self._drawn = False

    # --- drawing ---------------------------------------------------------------------------

    def bar_text(self) -> str:
        elapsed = self.clock() - self.started
        if not self.total and not self.done:
            return f"{self.label}: starting, {_clock(elapsed)}"
        filled = WIDTH * _percent(self.done, self.total) // 100
        text = (
            f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] "
            f"{self.done:,}/{self.total:,} {self.unit}"
        )
        if elapsed > 0 and self.done:
            rate = self.done / elapsed
            text += f", {rate:,.0f} {self.unit}/s"
            if self.done < self.total:
                text += f", about {_clock((self.total - self.done) / rate)} left"
        return f"{text}, {_clock(elapsed)}"

    def _draw(self) -> None:
        text = self.bar_text()
        pad = " " * max(0, len(self._last_text) - len(text))
        self.stream.write(f"\r{text}{pad}")
        self.stream.flush()
        self._last_text = text
        self._drawn = True

    def _plain(self, text: str) -> None:
        if text == self._last_text:
            return  # never the same line twice
        self.stream.write(text + "\n")
        self.stream.flush()
        self._last_text = text
        self._last_plain = self.clock()

    def _tick(self) -> None:
        wait = self.redraw_every if self.tty else min(self.plain_every, 1.0)
        while not self._stop.wait(wait):
            with self._lock:
                if self._stop.is_set():
                    return
                if self.tty:
                    self._draw()
                elif self.clock() - self._last_plain >= self.plain_every:
                    elapsed = self.clock() - self.started
                    self._plain(self._working(self.done, self.total, elapsed))


def _percent(done: int, total: int) -> int:
    return 0 if total <= 0 else min(100, done * 100 // total)
