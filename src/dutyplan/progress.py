"""A progress bar for long solves: sites done, people placed, uncovered gate-shifts, time.

A city-scale solve rosters thousands of sites one by one, which can take many minutes. The
solver reports after each site through a :class:`Progress`, which shows::

    sites  1234/7120 [#.........]  17%  people 21,345  uncovered 12  elapsed 3m05s  rostering

* on a terminal (the stream is a TTY): one line redrawn in place with ``'\\r'``, at most once
  every ``min_interval`` seconds, except the last site and :meth:`Progress.close`, which always
  draw;
* in a log file or CI output (the stream is not a TTY): a full line at each 10 % of the sites
  and one at close, never ``'\\r'``;
* in a Jupyter notebook: an HTML ``<progress>`` element with the same text, updated in place
  through an IPython display handle (text/plain fallback for other front ends; no ipywidgets);
* to a function of yours: it receives a :class:`ProgressState` on every update, to draw your own
  bar or write log records;
* nowhere: ``progress=False`` in the library, ``--quiet`` on the command line.

The solver turns its ``progress`` argument into a :class:`Progress` with :func:`make_progress`
and reports absolute values, not increments::

    with make_progress(progress, len(sites)) as bar:
        for done, site in enumerate(sites, 1):
            ...
            bar.update(done, people_placed, uncovered, stage="rostering")

A progress bar never stops a solve: if its stream fails (closed, broken pipe), it goes quiet.
Updates may come from several threads (an executor's callbacks); they are serialised by a lock.
"""

from __future__ import annotations

import html
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self, TextIO

__all__ = [
    "LiveSolve",
    "Progress",
    "ProgressState",
    "SolveState",
    "format_elapsed",
    "format_progress",
    "format_solve",
    "make_live",
    "make_progress",
]

BAR_WIDTH = 10  # characters between the brackets of the text bar


@dataclass(frozen=True)
class ProgressState:
    """One snapshot of a solve's progress, as given to a progress callback.

    Attributes:
        sites_done: sites rostered so far.
        total_sites: sites to roster in all.
        people_placed: people with at least one duty so far (as reported by the solver).
        uncovered: gate-shifts left uncovered so far.
        elapsed: seconds since the :class:`Progress` was made.
        stage: what the solver is doing ("site choice", "rostering", "repair", ...), or None.
    """

    sites_done: int
    total_sites: int
    people_placed: int
    uncovered: int
    elapsed: float
    stage: str | None

    @property
    def fraction(self) -> float:
        """Share of the sites done, between 0 and 1 (1 when there are no sites at all)."""
        if self.total_sites <= 0:
            return 1.0
        return min(1.0, max(0.0, self.sites_done / self.total_sites))

    @property
    def finished(self) -> bool:
        """True once every site is done (also when there are no sites)."""
        return self.sites_done >= self.total_sites


def format_elapsed(seconds: float) -> str:
    """Elapsed time in whole seconds, compactly: ``"7s"``, ``"3m05s"``, ``"2h03m05s"``."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def format_progress(
    state: ProgressState, *, label: str = "sites", bar: bool = True, width: int = BAR_WIDTH
) -> str:
    """One line of text for ``state``, as the terminal and log renderers print it.

    For example ``sites  1234/7120 [#.........]  17%  people 21,345  uncovered 12  elapsed
    3m05s  rostering`` (the stage, when given, comes last). The percentage is rounded down, so
    100 % means every site is done. ``bar=False`` leaves out the bracketed text bar (the
    notebook renderer draws an HTML bar instead). Useful in a callback to log the same line.
    """
    fraction = state.fraction
    total = max(0, state.total_sites)
    parts = [f"{label}  {state.sites_done:>{len(str(total))}}/{total}"]
    if bar:
        filled = int(fraction * width)
        parts.append(f"[{'#' * filled}{'.' * (width - filled)}]")
    text = " ".join(parts)
    text += f" {int(fraction * 100):3d}%"
    text += f"  people {state.people_placed:,}  uncovered {state.uncovered:,}"
    text += f"  elapsed {format_elapsed(state.elapsed)}"
    if state.stage:
        text += f"  {state.stage}"
    return text


def in_jupyter_kernel() -> bool:
    """True when running inside a Jupyter (IPython) kernel, where a notebook bar can be shown.

    IPython is not a dependency and is imported only if something already imported it: a
    kernel always has, so a plain command-line run never pays for importing IPython.
    """
    if "IPython" not in sys.modules:
        return False
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except Exception:  # noqa: BLE001 - a broken IPython install: no notebook bar
        return False
    return shell is not None and hasattr(shell, "kernel")


def _display(bundle: dict[str, str]) -> Any:
    """Show a raw MIME bundle in the notebook and return its display handle (or None)."""
    from IPython.display import display

    return display(bundle, raw=True, display_id=True)


def _terminal_columns(stream: TextIO) -> int | None:
    """Width of the terminal behind ``stream``, or None when it cannot be told."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return None


def _is_tty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, OSError, ValueError):
        return False


class Progress:
    """Shows how far a solve is: sites done of all, people placed, uncovered, elapsed time.

    Args:
        total_sites: the number of sites the solve rosters (0 is allowed: the bar shows 100 %).
        stream: where the text bar goes. ``None`` (the default) means ``sys.stderr``, or an HTML
            bar in the notebook when running in a Jupyter kernel; an explicit stream always gets
            the text bar, redrawn in place if ``stream.isatty()``, otherwise as a line at each
            10 % of the sites and one at close.
        enabled: False shows nothing and calls nothing; updates are still recorded in
            :attr:`state`.
        min_interval: at least this many seconds between two redraws of the terminal or
            notebook bar; the update that finishes the last site and :meth:`close` always draw.
        label: the word in front of the counts (``"sites"``).
        clock: a function returning seconds, for the elapsed time (default
            :func:`time.monotonic`); tests pass a fake one.
        callback: called with a :class:`ProgressState` on every update (not throttled) instead
            of drawing anything; to draw your own bar or log the progress.

    Use it as a context manager, or call :meth:`close` at the end (also after an error) so the
    final line is drawn and the terminal line is ended. Updates after close are ignored.
    """

    def __init__(
        self,
        total_sites: int,
        *,
        stream: TextIO | None = None,
        enabled: bool = True,
        min_interval: float = 0.2,
        label: str = "sites",
        clock: Callable[[], float] | None = None,
        callback: Callable[[ProgressState], None] | None = None,
    ) -> None:
        if total_sites < 0:
            raise ValueError(f"total_sites must be 0 or more, not {total_sites}")
        self.total_sites = int(total_sites)
        self.min_interval = float(min_interval)
        self.label = label
        self._clock = clock if clock is not None else time.monotonic
        self._start = self._clock()
        self._callback = callback
        self._lock = threading.RLock()
        self._closed = False
        self._sites_done = 0
        self._people_placed = 0
        self._uncovered = 0
        self._stage: str | None = None
        self._last_draw: float | None = None  # clock time of the last throttled redraw
        self._line_width = 0  # length of the terminal line drawn last, to pad over it
        self._decile = 0  # non-TTY: the last 10 % step printed
        self._printed: tuple[int, int, int, str | None] | None = None  # non-TTY: last line's values
        self._handle: Any = None  # notebook display handle
        self._stream: TextIO | None = None
        if not enabled:
            self._mode = "off"
        elif callback is not None:
            self._mode = "callback"
        elif stream is None and in_jupyter_kernel():
            self._mode = "notebook"
        else:
            self._stream = stream if stream is not None else sys.stderr
            self._mode = "tty" if _is_tty(self._stream) else "lines"

    @property
    def mode(self) -> str:
        """How progress is shown: ``"tty"``, ``"lines"``, ``"notebook"``, ``"callback"`` or
        ``"off"``."""
        return self._mode

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    @property
    def state(self) -> ProgressState:
        """The latest values, with the time elapsed until now."""
        return ProgressState(
            sites_done=self._sites_done,
            total_sites=self.total_sites,
            people_placed=self._people_placed,
            uncovered=self._uncovered,
            elapsed=self._clock() - self._start,
            stage=self._stage,
        )

    def update(
        self, sites_done: int, people_placed: int, uncovered: int, stage: str | None = None
    ) -> None:
        """Report the solve's progress so far: absolute values, not increments.

        Args:
            sites_done: sites rostered so far.
            people_placed: people placed so far.
            uncovered: gate-shifts left uncovered so far.
            stage: what the solver is doing now ("site choice", "rostering", "repair"), or None.
        """
        with self._lock:
            if self._closed:
                return
            self._sites_done = int(sites_done)
            self._people_placed = int(people_placed)
            self._uncovered = int(uncovered)
            self._stage = stage
            if self._mode == "off":
                return
            state = self.state
            if self._mode == "callback":
                assert self._callback is not None
                self._callback(state)
            elif self._mode == "lines":
                decile = 10 if self.total_sites == 0 else (
                    min(10, max(0, state.sites_done) * 10 // self.total_sites)
                )
                if decile > self._decile:
                    self._decile = decile
                    self._print_line(state)
            else:  # tty, notebook: throttled, but the last site always draws
                now = self._clock()
                due = self._last_draw is None or now - self._last_draw >= self.min_interval
                if due or state.finished:
                    self._last_draw = now
                    self._draw(state, final=False)

    def close(self) -> None:
        """Draw the final state (ending the terminal line with a newline). Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._mode in ("off", "callback"):
                return
            state = self.state
            if self._mode == "lines":
                if self._printed != self._values(state):
                    self._print_line(state)
            else:
                self._draw(state, final=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Progress {self._mode}: {format_progress(self.state, label=self.label)}>"

    # -- rendering ------------------------------------------------------------------------------

    @staticmethod
    def _values(state: ProgressState) -> tuple[int, int, int, str | None]:
        return (state.sites_done, state.people_placed, state.uncovered, state.stage)

    def _write(self, text: str) -> None:
        assert self._stream is not None
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # closed stream, broken pipe: never stop the solve
            self._mode = "off"

    def _print_line(self, state: ProgressState) -> None:
        self._printed = self._values(state)
        self._write(format_progress(state, label=self.label) + "\n")

    def _draw(self, state: ProgressState, *, final: bool) -> None:
        if self._mode == "notebook":
            self._draw_notebook(state)
            return
        self._redraw_line(format_progress(state, label=self.label), final)

    def _redraw_line(self, line: str, final: bool) -> None:
        """Draw ``line`` over the terminal line drawn last (cut to the terminal's width: a
        wrapped line cannot be redrawn with '\r'); ``final`` ends it."""
        assert self._stream is not None
        columns = _terminal_columns(self._stream)
        if columns and len(line) >= columns:
            line = line[: columns - 1]
        pad = " " * max(0, self._line_width - len(line))
        self._line_width = len(line)
        self._write("\r" + line + pad + ("\n" if final else ""))

    def _show(self, bundle: dict[str, str]) -> bool:
        """Show ``bundle`` in the notebook, in the one display this bar has; False when
        nothing could be displayed."""
        try:
            if self._handle is None:
                self._handle = _display(bundle)
                return self._handle is not None
            self._handle.update(bundle, raw=True)
        except Exception:  # noqa: BLE001 - a failing front end must not stop the solve
            self._mode = "off"
        return True

    def _draw_notebook(self, state: ProgressState) -> None:
        total = self.total_sites
        value, maximum = (min(max(0, state.sites_done), total), total) if total else (1, 1)
        text = format_progress(state, label=self.label, bar=False)
        bundle = {
            "text/html": (
                f'<div class="dutyplan-progress"><progress value="{value}" max="{maximum}" '
                f'style="width: 20em; vertical-align: middle"></progress> '
                f"<code>{html.escape(text)}</code></div>"
            ),
            "text/plain": format_progress(state, label=self.label),
        }
        if not self._show(bundle):  # IPython could not display: fall back to text lines
            self._stream = sys.stderr
            self._mode = "lines"


def make_progress(
    progress: bool | Callable[[ProgressState], None] | Progress | None, total_sites: int
) -> Progress:
    """The :class:`Progress` for a solver's ``progress`` argument.

    * ``True``: a bar on ``sys.stderr``, or in the notebook when running in a Jupyter kernel;
    * ``False`` or ``None``: a Progress that shows nothing;
    * a function: a Progress that calls it with a :class:`ProgressState` on every update;
    * a :class:`Progress`: returned as it is (its own total is kept).
    """
    if isinstance(progress, Progress):
        return progress
    if progress is None or progress is False:
        return Progress(total_sites, enabled=False)
    if progress is True:
        return Progress(total_sites)
    if callable(progress):
        return Progress(total_sites, callback=progress)
    raise TypeError(
        "progress must be True, False, None, a function of a ProgressState or a Progress, "
        f"not {type(progress).__name__}"
    )


# --------------------------------------------------------------------------- one model, live


@dataclass(frozen=True)
class SolveState:
    """What a solve of one model is doing, as given to a progress callback.

    Attributes:
        phase: what it does before or between searches ("building the model", "roster bound"),
            or None while a level is searched.
        stage: the objective level being searched (``cover``, ..., or ``weighted``), or None.
        stage_number: its place among the levels searched (1-based; 0 before the first).
        stages: how many levels are searched.
        value: the best value of that level found so far (None: no plan yet).
        bound: the best bound on it so far (None: none yet).
        elapsed: seconds since the solve began.
        time_limit: the solve's time limit in seconds.
    """

    phase: str | None
    stage: str | None
    stage_number: int
    stages: int
    value: int | None
    bound: int | None
    elapsed: float
    time_limit: float | None

    @property
    def gap(self) -> float | None:
        """(value - bound) / value, 0 when both are 0; None without both."""
        if self.value is None or self.bound is None:
            return None
        if self.value <= 0:
            return 0.0
        return max(0.0, (self.value - self.bound) / self.value)


def format_solve(state: SolveState) -> str:
    """One line for ``state``: ``level commute (4/5)  best 7,115  bound 6,220  gap 12.6%
    elapsed 3s of 20s``."""
    if state.stage is None:
        text = state.phase or "starting"
    else:
        text = f"level {state.stage} ({state.stage_number}/{state.stages})"
        text += "  best " + ("-" if state.value is None else f"{state.value:,}")
        text += "  bound " + ("-" if state.bound is None else f"{state.bound:,}")
        if state.gap is not None:
            text += f"  gap {100 * state.gap:.1f}%"
    text += f"  elapsed {format_elapsed(state.elapsed)}"
    if state.time_limit is not None:
        text += f" of {format_elapsed(state.time_limit)}"
    return text


class LiveSolve(Progress):
    """Live progress of one model's solve: the level being searched, its best value and bound,
    the time elapsed, redrawn every ``interval`` seconds once the solve has run ``delay``
    seconds (a solve shorter than that shows nothing). Terminal, log lines, notebook and
    callback as :class:`Progress`; in log lines (not a TTY), a line at each level and at the
    end. The solver tells it what happens through :attr:`dutyplan.budget.Stop.live`.
    """

    def __init__(
        self,
        time_limit: float | None,
        *,
        stream: TextIO | None = None,
        enabled: bool = True,
        interval: float = 0.5,
        delay: float = 1.0,
        clock: Callable[[], float] | None = None,
        callback: Callable[[SolveState], None] | None = None,
    ) -> None:
        super().__init__(0, stream=stream, enabled=enabled, min_interval=0.0, clock=clock,
                         callback=callback)  # type: ignore[arg-type]
        self.time_limit = time_limit
        self.interval = interval
        self.delay = delay
        self._phase: str | None = "building the model"
        self._stage_name: str | None = None
        self._stage_number = 0
        self._stages = 0
        self._value: int | None = None
        self._bound: int | None = None
        self._shown = False
        self._ticking = threading.Event()
        self._ticker: threading.Thread | None = None
        self._log_handlers: list[logging.Handler] = []
        if self._mode == "tty":  # a log line on the same terminal first wipes the live line
            self._wipe = _WipeLine(self)
            for logger in (logging.getLogger(), logging.getLogger("dutyplan")):
                for handler in logger.handlers:
                    if getattr(handler, "stream", None) is self._stream:
                        handler.addFilter(self._wipe)
                        self._log_handlers.append(handler)
        if self._mode in ("tty", "notebook"):
            self._ticker = threading.Thread(target=self._tick, name="dutyplan-live", daemon=True)
            self._ticker.start()

    @property
    def solve_state(self) -> SolveState:
        return SolveState(
            phase=self._phase, stage=self._stage_name, stage_number=self._stage_number,
            stages=self._stages, value=self._value, bound=self._bound,
            elapsed=self._clock() - self._start, time_limit=self.time_limit,
        )

    # -- what the solver tells (dutyplan.budget.Stop.tell) ------------------------------------

    def phase(self, text: str) -> None:
        with self._lock:
            self._phase = text
            self._stage_name = None
        self._changed(level=False)

    def stage(self, name: str, number: int, total: int) -> None:
        with self._lock:
            if self._stage_name is not None and self._stage_name != name:
                self._changed(level=True)  # log lines: the level just finished, with its figures
            self._phase, self._stage_name, self._stage_number, self._stages = None, name, number, total
            self._value = self._bound = None
        self._changed(level=False)

    def solution(self, value: int, bound: int | None) -> None:
        with self._lock:
            if self._value is None or value <= self._value:
                self._value = int(value)
            self._raise_bound(bound)
        self._changed(level=False)

    def bound(self, bound: int | None) -> None:
        with self._lock:
            self._raise_bound(bound)
        self._changed(level=False)

    def _raise_bound(self, bound: int | None) -> None:
        if bound is not None:
            self._bound = max(int(bound), self._bound) if self._bound is not None else int(bound)

    # -- drawing ------------------------------------------------------------------------------

    def _changed(self, level: bool) -> None:
        with self._lock:
            if self._closed or self._mode == "off":
                return
            state = self.solve_state
            if self._mode == "callback":
                assert self._callback is not None
                self._callback(state)  # type: ignore[arg-type]
            elif self._mode == "lines" and level and state.elapsed >= self.delay:
                self._write(format_solve(state) + "\n")

    def _tick(self) -> None:
        while not self._ticking.wait(self.interval):
            with self._lock:
                if self._closed:
                    return
                state = self.solve_state
                if state.elapsed < self.delay:
                    continue
                self._shown = True
                self._draw_solve(state, final=False)

    def _draw_solve(self, state: SolveState, *, final: bool) -> None:
        line = format_solve(state)
        if self._mode == "notebook":
            fraction = 0.0
            if state.time_limit:
                fraction = min(1.0, state.elapsed / state.time_limit)
            bundle = {
                "text/html": (
                    f'<div class="dutyplan-progress"><progress value="{fraction:.3f}" max="1" '
                    f'style="width: 20em; vertical-align: middle"></progress> '
                    f"<code>{html.escape(line)}</code></div>"
                ),
                "text/plain": line,
            }
            if not self._show(bundle):
                self._mode = "off"
            return
        if self._stream is not None and self._mode == "tty":
            self._redraw_line(line, final)

    def wipe_line(self) -> None:
        """Blank the live line (a log line is about to be written); the next tick redraws it."""
        with self._lock:
            if self._line_width and self._mode == "tty":
                self._write("\r" + " " * self._line_width + "\r")
                self._line_width = 0

    def close(self) -> None:
        """Stop redrawing; end the line (terminal), or print the last state (log lines) when
        anything was shown. Idempotent."""
        self._ticking.set()
        for handler in self._log_handlers:
            handler.removeFilter(self._wipe)
        self._log_handlers = []
        with self._lock:
            if self._closed:
                return
            self._closed = True
            state = self.solve_state
            if self._mode in ("tty", "notebook") and self._shown:
                self._draw_solve(state, final=True)
            elif self._mode == "lines" and state.elapsed >= self.delay:
                self._write(format_solve(state) + "\n")
        if self._ticker is not None and self._ticker is not threading.current_thread():
            self._ticker.join(timeout=1.0)

    def __repr__(self) -> str:
        return f"<LiveSolve {self._mode}: {format_solve(self.solve_state)}>"


class _WipeLine(logging.Filter):
    """Lets every record through, after wiping the live line it would be written after."""

    def __init__(self, live: LiveSolve) -> None:
        super().__init__()
        self.live = live

    def filter(self, record: logging.LogRecord) -> bool:
        self.live.wipe_line()
        return True


def make_live(progress: Any, time_limit: float | None) -> LiveSolve:
    """The :class:`LiveSolve` for a solve's ``progress`` argument: ``True`` (stderr, or the
    notebook in a Jupyter kernel), ``False``/``None`` (nothing), a function (called with a
    :class:`SolveState` at each phase, level and better plan), or a :class:`LiveSolve`."""
    if isinstance(progress, LiveSolve):
        return progress
    if progress is None or progress is False or isinstance(progress, Progress):
        return LiveSolve(time_limit, enabled=False)
    if progress is True:
        return LiveSolve(time_limit)
    if callable(progress):
        return LiveSolve(time_limit, callback=progress)
    raise TypeError(
        "progress must be True, False, None, a function or a Progress, "
        f"not {type(progress).__name__}"
    )
