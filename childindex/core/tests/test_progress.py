"""Progress of long operator commands: it moves every few seconds, and no line prints twice."""

from __future__ import annotations

import io
import time

from childindex.core.progress import Progress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_one_per_new_count_never_the_same_twice():
    out = io.StringIO()
    with Progress("gp", 40, stream=out, plain_every=60) as bar:
        for done in (10, 10, 20, 40, 40):  # the importer reports the last chunk twice
            bar.update(done, 40)
    lines = out.getvalue().splitlines()
    assert lines == [
        "gp: 10 of 40 rows (25%)",
        "gp: 20 of 40 rows (50%)",
        "gp: 40 of 40 rows (100%)",
    ]


def test_the_thread_writes_a_still_working_line_within_seconds():
    out = io.StringIO()
    with Progress("gp", 40, stream=out, plain_every=0.05) as bar:
        bar.update(10)
        time.sleep(1.3)  # the thread looks at least once a second
    lines = out.getvalue().splitlines()
    assert lines[0] == "gp: 10 of 40 rows (25%)"
    assert lines[1] == "gp: still working (10 of 40 rows so far, 0 s)"
    assert len(lines) == len(set(lines))  # the same "0 s" line is not written again


def test_on_a_terminal_the_bar_moves_every_second_even_while_the_count_stands():
    out, clock = FakeTerminal(), Clock()
    with Progress("gp", 250_000, stream=out, redraw_every=0.02, clock=clock) as bar:
        bar.update(20_000)
        frames = set()
        for _ in range(3):
            clock.now += 1
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                frame = out.getvalue().rsplit("\r", 1)[-1]
                if f"0:0{int(clock.now - 1000)}" in frame:
                    frames.add(frame.strip())
                    break
                time.sleep(0.01)
    assert len(frames) == 3, frames  # one distinct frame a second with no new count
    assert all("20,000/250,000 rows" in f and "left" in f for f in frames)
    assert out.getvalue().endswith("\n")  # the line is finished when the work is


def test_the_bar_before_the_first_count_says_it_is_starting():
    out, clock = FakeTerminal(), Clock()
    bar = Progress("gp", 0, stream=out, clock=clock)
    assert bar.bar_text() == "gp: starting, 0:00"
