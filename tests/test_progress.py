"""Tests of dutyplan.progress: the progress bar of long solves.

Every test injects a fake clock, so throttling and elapsed times are deterministic, and writes
to an in-memory stream that says it is (or is not) a terminal. The notebook renderer is tested
with a fake display function and display handle patched into the module.
"""

from __future__ import annotations

import io
import re
import sys
import types

import pytest

from dutyplan import progress as progress_module
from dutyplan.progress import (
    Progress,
    ProgressState,
    format_elapsed,
    format_progress,
    make_progress,
)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class TTYStream(io.StringIO):
    def isatty(self) -> bool:
        return True


class FileStream(io.StringIO):
    def isatty(self) -> bool:
        return False


class FakeHandle:
    def __init__(self) -> None:
        self.updates: list[tuple[dict[str, str], dict[str, object]]] = []

    def update(self, obj: dict[str, str], **kwargs: object) -> None:
        self.updates.append((obj, kwargs))


@pytest.fixture
def notebook(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    """Pretend to run in a Jupyter kernel; record what is displayed."""
    fake = types.SimpleNamespace(shown=[], handle=FakeHandle())

    def display(bundle: dict[str, str]) -> FakeHandle:
        fake.shown.append(bundle)
        return fake.handle

    monkeypatch.setattr(progress_module, "in_jupyter_kernel", lambda: True)
    monkeypatch.setattr(progress_module, "_display", display)
    return fake


def progress_values(html: str) -> tuple[int, int]:
    match = re.search(r'<progress value="(\d+)" max="(\d+)"', html)
    assert match, html
    return int(match.group(1)), int(match.group(2))


# -- text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (59.9, "59s"), (60, "1m00s"), (185.4, "3m05s"), (3600, "1h00m00s"),
     (7385, "2h03m05s"), (-1, "0s")],
)
def test_format_elapsed(seconds: float, text: str) -> None:
    assert format_elapsed(seconds) == text


def test_format_progress_line() -> None:
    state = ProgressState(1234, 7120, 21345, 12, 185.0, "rostering")
    line = format_progress(state)
    assert line == (
        "sites  1234/7120 [#.........]  17%  people 21,345  uncovered 12  elapsed 3m05s  rostering"
    )
    assert "[" not in format_progress(state, bar=False)
    assert format_progress(state, label="gates").startswith("gates  1234/7120")
    half = format_progress(ProgressState(5, 10, 0, 0, 0.0, None), width=4)
    assert "[##..]  50%" in half
    assert not half.endswith(" ")  # no stage: nothing after the elapsed time


def test_state_fraction_is_rounded_down_and_bounded() -> None:
    assert ProgressState(7119, 7120, 0, 0, 0.0, None).fraction < 1.0
    assert "99%" in format_progress(ProgressState(7119, 7120, 0, 0, 0.0, None))
    assert ProgressState(12, 10, 0, 0, 0.0, None).fraction == 1.0
    assert ProgressState(0, 0, 0, 0, 0.0, None).fraction == 1.0
    assert ProgressState(0, 0, 0, 0, 0.0, None).finished
    assert not ProgressState(3, 4, 0, 0, 0.0, None).finished


# -- terminal ----------------------------------------------------------------------------------


def test_tty_redraws_one_line_in_place() -> None:
    stream, clock = TTYStream(), FakeClock()
    bar = Progress(100, stream=stream, clock=clock)
    assert bar.mode == "tty"
    clock.advance(185)
    bar.update(12, 1234, 5, stage="rostering")
    out = stream.getvalue()
    assert out.startswith("\r")
    assert "\n" not in out
    assert " 12/100" in out
    assert " 12%" in out
    assert "people 1,234" in out
    assert "uncovered 5" in out
    assert "elapsed 3m05s" in out
    assert out.rstrip().endswith("rostering")


def test_tty_throttles_redraws_but_always_draws_the_last_site_and_close() -> None:
    stream, clock = TTYStream(), FakeClock()
    bar = Progress(10, stream=stream, clock=clock, min_interval=0.5)
    bar.update(1, 1, 0)  # first update draws
    assert stream.getvalue().count("\r") == 1
    clock.advance(0.2)
    bar.update(2, 2, 0)  # too soon
    clock.advance(0.2)
    bar.update(3, 3, 0)  # still too soon: 0.4 s since the last draw
    assert stream.getvalue().count("\r") == 1
    assert " 3/10" not in stream.getvalue()
    clock.advance(0.1)
    bar.update(4, 4, 1)  # 0.5 s: draws
    assert stream.getvalue().count("\r") == 2
    assert " 4/10" in stream.getvalue()
    clock.advance(0.01)
    bar.update(10, 9, 1)  # the last site draws although it is too soon
    assert stream.getvalue().count("\r") == 3
    assert "10/10" in stream.getvalue() and "100%" in stream.getvalue()
    assert not stream.getvalue().endswith("\n")
    clock.advance(0.01)
    bar.close()  # close draws although it is too soon, and ends the line
    out = stream.getvalue()
    assert out.count("\r") == 4
    assert out.endswith("\n") and out.count("\n") == 1
    assert out.rsplit("\r", 1)[1].startswith("sites  10/10")
    bar.close()
    assert stream.getvalue() == out  # idempotent


def test_tty_close_draws_the_latest_throttled_values() -> None:
    stream, clock = TTYStream(), FakeClock()
    with Progress(10, stream=stream, clock=clock, min_interval=1.0) as bar:
        bar.update(1, 1, 0)
        bar.update(7, 70, 3, stage="repair")  # throttled away
        assert " 7/10" not in stream.getvalue()
    assert bar.closed
    last = stream.getvalue().rsplit("\r", 1)[1]
    assert " 7/10" in last and "people 70" in last and "uncovered 3" in last
    assert last.rstrip("\n").rstrip().endswith("repair")
    assert last.endswith("\n")


def test_tty_pads_over_a_longer_previous_line() -> None:
    stream, clock = TTYStream(), FakeClock()
    bar = Progress(10, stream=stream, clock=clock, min_interval=0)
    bar.update(1, 1, 0, stage="a very long stage name indeed")
    bar.update(2, 2, 0)
    first, second = stream.getvalue().split("\r")[1:]
    assert len(second) == len(first)
    assert second.startswith("sites   2/10")
    assert second.endswith(" " * len(" a very long stage name indeed"))


def test_tty_line_is_cut_to_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "_terminal_columns", lambda stream: 40)
    stream = TTYStream()
    bar = Progress(10, stream=stream, clock=FakeClock())
    bar.update(5, 100, 2, stage="rostering")
    bar.close()
    lines = stream.getvalue().rstrip("\n").split("\r")[1:]
    assert lines and all(len(line) == 39 for line in lines)


def test_update_after_close_is_ignored() -> None:
    stream = TTYStream()
    bar = Progress(10, stream=stream, clock=FakeClock(), min_interval=0)
    bar.update(3, 3, 0)
    bar.close()
    out = stream.getvalue()
    bar.update(4, 4, 0)
    assert stream.getvalue() == out
    assert bar.state.sites_done == 3


def test_failing_stream_does_not_stop_the_solve() -> None:
    class Broken(TTYStream):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    bar = Progress(10, stream=Broken(), clock=FakeClock())
    bar.update(1, 1, 0)
    assert bar.mode == "off"
    bar.update(10, 1, 0)
    bar.close()


# -- log files, CI -----------------------------------------------------------------------------


def test_non_tty_prints_a_line_at_each_ten_percent_and_never_a_carriage_return() -> None:
    stream, clock = FileStream(), FakeClock()
    bar = Progress(100, stream=stream, clock=clock, min_interval=0)
    assert bar.mode == "lines"
    for done in range(101):
        clock.advance(1)
        bar.update(done, done * 3, done // 10, stage="rostering")
    bar.close()
    out = stream.getvalue()
    assert "\r" not in out
    lines = out.splitlines()
    assert len(lines) == 10  # 10 %, 20 %, ..., 100 %; close repeats nothing
    assert [re.search(r"(\d+)%", line).group(1) for line in lines] == [
        str(p) for p in range(10, 101, 10)
    ]
    assert lines[0].startswith("sites   10/100") and "people 30" in lines[0]
    assert "uncovered 10" in lines[-1] and lines[-1].endswith("rostering")
    bar.close()
    assert stream.getvalue() == out


def test_non_tty_jumps_print_once_and_close_prints_the_unfinished_state() -> None:
    stream = FileStream()
    bar = Progress(7, stream=stream, clock=FakeClock())
    bar.update(0, 0, 0)
    assert stream.getvalue() == ""  # 0 % is not a step
    bar.update(3, 40, 1)  # 42 %: the 10 %, 20 %, 30 % and 40 % steps at once
    assert stream.getvalue().count("\n") == 1
    bar.update(3, 41, 1)  # same step: nothing
    assert stream.getvalue().count("\n") == 1
    bar.update(5, 50, 2)  # 71 %
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert "5/7" in lines[1] and "71%" in lines[1] and "people 50" in lines[1]
    assert stream.getvalue().endswith("\n")


def test_non_tty_close_without_updates_prints_one_line() -> None:
    stream = FileStream()
    with Progress(4, stream=stream, clock=FakeClock()):
        pass
    assert stream.getvalue().splitlines() == [
        "sites  0/4 [..........]   0%  people 0  uncovered 0  elapsed 0s"
    ]


# -- off ---------------------------------------------------------------------------------------


def test_disabled_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    stream = TTYStream()
    bar = Progress(10, stream=stream, enabled=False, clock=FakeClock())
    assert bar.mode == "off"
    bar.update(5, 5, 1)
    bar.update(10, 9, 1)
    bar.close()
    assert stream.getvalue() == ""
    assert bar.state.sites_done == 10 and bar.state.people_placed == 9  # still recorded
    for off in (False, None):
        quiet = make_progress(off, 10)
        assert quiet.mode == "off"
        quiet.update(10, 1, 0)
        quiet.close()
    assert capsys.readouterr() == ("", "")


# -- callbacks ---------------------------------------------------------------------------------


def test_callback_receives_the_values_passed_and_the_fake_clock_elapsed() -> None:
    received: list[ProgressState] = []
    clock = FakeClock(50.0)
    bar = Progress(8, callback=received.append, clock=clock, min_interval=10)
    assert bar.mode == "callback"
    clock.advance(1.5)
    bar.update(1, 11, 0, stage="site choice")
    clock.advance(2.25)
    bar.update(2, 23, 4)  # not throttled: every update reaches the callback
    bar.close()
    bar.update(3, 30, 4)  # after close: ignored
    assert received == [
        ProgressState(1, 8, 11, 0, 1.5, "site choice"),
        ProgressState(2, 8, 23, 4, 3.75, None),
    ]


def test_make_progress_with_a_callable(capsys: pytest.CaptureFixture[str]) -> None:
    received: list[ProgressState] = []
    bar = make_progress(received.append, 3)
    for done in (1, 2, 3):
        bar.update(done, done * 2, 3 - done, stage="rostering")
    bar.close()
    assert [(s.sites_done, s.total_sites, s.people_placed, s.uncovered, s.stage)
            for s in received] == [(1, 3, 2, 2, "rostering"), (2, 3, 4, 1, "rostering"),
                                   (3, 3, 6, 0, "rostering")]
    assert all(s.elapsed >= 0 for s in received)
    assert capsys.readouterr() == ("", "")  # a callback replaces the built-in bar


def test_make_progress_true_draws_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(progress_module, "in_jupyter_kernel", lambda: False)
    bar = make_progress(True, 2)
    bar.update(2, 5, 0)
    bar.close()
    out, err = capsys.readouterr()
    assert out == ""
    assert "2/2" in err and "people 5" in err


def test_make_progress_returns_an_existing_progress_and_rejects_other_values() -> None:
    bar = Progress(5, stream=FileStream())
    assert make_progress(bar, 99) is bar
    with pytest.raises(TypeError):
        make_progress("yes", 5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Progress(-1)


# -- notebooks ---------------------------------------------------------------------------------


def test_notebook_displays_once_then_updates_the_handle(notebook: types.SimpleNamespace) -> None:
    clock = FakeClock()
    bar = Progress(10, clock=clock, min_interval=0.5)
    assert bar.mode == "notebook"
    assert notebook.shown == []  # nothing shown before the first update
    bar.update(3, 30, 1, stage="rostering")
    assert len(notebook.shown) == 1
    first = notebook.shown[0]
    assert progress_values(first["text/html"]) == (3, 10)
    assert "people 30" in first["text/html"] and "rostering" in first["text/html"]
    assert first["text/plain"].startswith("sites   3/10 [###.......]")
    clock.advance(0.1)
    bar.update(4, 40, 1)  # throttled
    assert notebook.handle.updates == []
    clock.advance(0.5)
    bar.update(6, 60, 2)
    assert len(notebook.handle.updates) == 1
    bundle, kwargs = notebook.handle.updates[0]
    assert kwargs == {"raw": True}
    assert progress_values(bundle["text/html"]) == (6, 10)
    assert "uncovered 2" in bundle["text/html"] and " 60%" in bundle["text/plain"]
    clock.advance(0.01)
    bar.update(10, 99, 2)  # the last site is never throttled
    assert progress_values(notebook.handle.updates[-1][0]["text/html"]) == (10, 10)
    bar.close()
    bar.close()
    assert len(notebook.handle.updates) == 3  # close draws once more, once
    assert len(notebook.shown) == 1  # one display, updated in place


def test_notebook_escapes_html(notebook: types.SimpleNamespace) -> None:
    bar = Progress(2, clock=FakeClock(), label="<sites>")
    bar.update(1, 1, 0, stage="<script>")
    html = notebook.shown[0]["text/html"]
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;sites&gt;" in html


def test_notebook_is_not_used_for_an_explicit_stream(notebook: types.SimpleNamespace) -> None:
    stream = TTYStream()
    bar = Progress(2, stream=stream, clock=FakeClock())
    bar.update(1, 1, 0)
    assert bar.mode == "tty"
    assert notebook.shown == [] and "1/2" in stream.getvalue()


def test_notebook_falls_back_to_text_when_nothing_can_be_displayed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(progress_module, "in_jupyter_kernel", lambda: True)
    monkeypatch.setattr(progress_module, "_display", lambda bundle: None)
    bar = Progress(4, clock=FakeClock())
    bar.update(1, 1, 0)
    assert bar.mode == "lines"
    bar.update(4, 3, 0)
    bar.close()
    assert "4/4" in capsys.readouterr().err


def test_jupyter_kernel_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    detect = progress_module.in_jupyter_kernel
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert detect() is False  # IPython never imported: not a kernel, and not imported here
    assert "IPython" not in sys.modules

    shell: object = None
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert detect() is False  # IPython imported but no shell
    shell = types.SimpleNamespace()
    assert detect() is False  # a terminal IPython shell has no kernel
    shell = types.SimpleNamespace(kernel=object())
    assert detect() is True


# -- no sites ----------------------------------------------------------------------------------


def test_zero_sites(notebook: types.SimpleNamespace) -> None:
    tty = TTYStream()
    bar = Progress(0, stream=tty, clock=FakeClock())
    bar.update(0, 0, 0)
    bar.close()
    assert "0/0 [##########] 100%" in tty.getvalue() and tty.getvalue().endswith("\n")

    log = FileStream()
    bar = Progress(0, stream=log, clock=FakeClock())
    bar.update(0, 0, 0)
    bar.close()
    assert len(log.getvalue().splitlines()) == 1 and "100%" in log.getvalue()

    bar = Progress(0, clock=FakeClock())
    bar.update(0, 0, 0)
    assert progress_values(notebook.shown[0]["text/html"]) == (1, 1)


# --------------------------------------------------------------------------- one model, live


def test_format_solve_line() -> None:
    from dutyplan.progress import SolveState, format_solve

    state = SolveState(phase=None, stage="commute", stage_number=4, stages=5, value=7115,
                       bound=6220, elapsed=3.2, time_limit=20)
    assert format_solve(state) == (
        "level commute (4/5)  best 7,115  bound 6,220  gap 12.6%  elapsed 3s of 20s"
    )
    start = SolveState(phase="building the model", stage=None, stage_number=0, stages=0,
                       value=None, bound=None, elapsed=0.4, time_limit=None)
    assert format_solve(start) == "building the model  elapsed 0s"


def test_live_tty_redraws_level_best_bound_and_ends_the_line() -> None:
    from dutyplan.progress import LiveSolve

    clock, stream = FakeClock(), TTYStream()
    live = LiveSolve(10, stream=stream, clock=clock, interval=0.01, delay=1.0)
    live.stage("cover", 1, 2)
    live.solution(480, 0)
    import time

    time.sleep(0.05)
    assert stream.getvalue() == ""  # nothing before the delay
    clock.advance(2)
    live.solution(0, 0)
    live.stage("commute", 2, 2)
    live.solution(90, 80)
    deadline = time.monotonic() + 5
    while "commute" not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    live.close()
    text = stream.getvalue()
    assert text.startswith("\r") and text.endswith("\n") and text.count("\n") == 1
    assert text.rstrip().split("\r")[-1].rstrip() == (
        "level commute (2/2)  best 90  bound 80  gap 11.1%  elapsed 2s of 10s"
    )


def test_live_lines_print_each_finished_level_and_the_end() -> None:
    from dutyplan.progress import LiveSolve

    clock, stream = FakeClock(), FileStream()
    live = LiveSolve(10, stream=stream, clock=clock, delay=1.0)
    assert live.mode == "lines"
    live.stage("cover", 1, 2)
    live.solution(0, 0)
    clock.advance(1.5)
    live.stage("commute", 2, 2)
    live.solution(90, 80)
    live.close()
    assert stream.getvalue().splitlines() == [
        "level cover (1/2)  best 0  bound 0  gap 0.0%  elapsed 1s of 10s",
        "level commute (2/2)  best 90  bound 80  gap 11.1%  elapsed 1s of 10s",
    ]
    assert "\r" not in stream.getvalue()


def test_a_short_solve_shows_nothing() -> None:
    from dutyplan.progress import LiveSolve

    for stream in (TTYStream(), FileStream()):
        live = LiveSolve(10, stream=stream, clock=FakeClock(), delay=1.0)
        live.stage("cover", 1, 1)
        live.solution(0, 0)
        live.close()
        assert stream.getvalue() == ""


def test_a_solve_tells_its_callback_every_level_with_the_plans_values() -> None:
    import dutyplan
    from dutyplan.progress import SolveState

    problem = dutyplan.load_example("shangzhuang")
    states: list[SolveState] = []
    plan = dutyplan.solve(problem, time_limit=3, workers=1, seed=0, deterministic=True,
                          progress=states.append)
    searched = [s.stage for s in states if s.stage is not None]
    levels = [level.name for level in plan.result.levels]
    assert list(dict.fromkeys(searched)) == levels
    for level in plan.result.levels:
        last = [s for s in states if s.stage == level.name][-1]
        assert last.value == level.value
        assert last.stages == len(levels) and last.time_limit == 3
    assert all(a.elapsed <= b.elapsed for a, b in zip(states, states[1:]))


def test_live_in_a_notebook_updates_one_display(notebook: types.SimpleNamespace) -> None:
    import time

    from dutyplan.progress import LiveSolve

    clock = FakeClock()
    live = LiveSolve(20, clock=clock, interval=0.01, delay=1.0)
    assert live.mode == "notebook"
    live.stage("fairness", 5, 5)
    clock.advance(5)
    live.solution(6960, 6360)
    deadline = time.monotonic() + 5
    while not notebook.shown and time.monotonic() < deadline:
        time.sleep(0.01)
    live.close()
    assert len(notebook.shown) == 1  # one display, updated in place
    last = (notebook.handle.updates[-1][0] if notebook.handle.updates else notebook.shown[0])
    assert '<progress value="0.250" max="1"' in last["text/html"]
    assert "level fairness (5/5)  best 6,960  bound 6,360" in last["text/plain"]


def test_a_log_line_on_the_same_terminal_wipes_the_live_line_first() -> None:
    import logging
    import time

    from dutyplan.progress import LiveSolve

    clock, stream = FakeClock(), TTYStream()
    handler = logging.StreamHandler(stream)
    log = logging.getLogger("dutyplan")
    log.addHandler(handler)
    old_level = log.level
    log.setLevel(logging.INFO)
    try:
        live = LiveSolve(10, stream=stream, clock=clock, interval=0.01, delay=1.0)
        live.stage("cover", 1, 1)
        clock.advance(2)
        deadline = time.monotonic() + 5
        while "level cover" not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        log.info("a log line")
        live.close()
        text = stream.getvalue()
        before, after = text.split("a log line", 1)
        assert re.search(r"\r +\r$", before)  # the live line blanked, the cursor at its start
        assert after.startswith("\n")
        assert handler.filters == []  # the filter goes with the live display
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)
