"""The one clock of a solve, and how a solve is stopped early.

Every time limit in dutyplan is a :class:`Budget`: the seconds a solve may take, counted on
the wall clock from the call (model build included), or, when the run must be reproducible,
in CP-SAT's **deterministic time** (``deterministic=True``). Deterministic seconds are counted
by CP-SAT from the work it does, not from the clock, so the same problem, seed and worker
count give the same plan on any machine and under any load; only CP-SAT's search is counted
(model building, first rosters and bounds are not), and a deterministic second takes about
one to three wall seconds on a 2-core machine. The wall time is always reported.

A budget is shared by everything one solve runs: a part of it (:meth:`Budget.part`) is a
budget of its own that ends no later than its parent and charges its parent what it uses,
and every budget of a solve shares one :class:`Stop`: once a stop is requested (the first
Ctrl-C, see :func:`interruptible`), every budget reads as spent, every CP-SAT search that is
running is stopped, and the solve returns the best plan it has.

:func:`run` is how every CP-SAT search of dutyplan is run: with the budget's limit, CP-SAT's
own Ctrl-C handling off (it would leave SIGINT killing the process after the search), on a
helper thread when called from the main thread, so that Ctrl-C is seen at once.
"""

from __future__ import annotations

import logging
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ortools.sat.python import cp_model

from dutyplan.errors import DutyplanError

__all__ = [
    "MAX_SEED",
    "MAX_TIME_LIMIT",
    "MAX_WORKERS",
    "Budget",
    "Stop",
    "check_solve_arguments",
    "interruptible",
    "run",
    "solution_objective",
]

logger = logging.getLogger("dutyplan")

MAX_TIME_LIMIT = 1_000_000.0  # seconds (11.6 days): beyond any planning run
MAX_WORKERS = 1024
MAX_SEED = 2**31 - 1  # CP-SAT's random_seed is a 32-bit integer
JOIN_SECONDS = 0.1  # the main thread looks for Ctrl-C this often while CP-SAT searches
ABORT_SECONDS = 2.0  # on abort, wait at most this long for a search to stop


def check_solve_arguments(time_limit: Any, workers: Any = None, seed: Any = 0) -> None:
    """Refuse a time limit, worker count or seed no solve can use, naming the value."""
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)):
        raise DutyplanError(f"time_limit must be a number of seconds, got {time_limit!r}")
    if not (math.isfinite(time_limit) and 0 < time_limit <= MAX_TIME_LIMIT):
        raise DutyplanError(
            f"time_limit must be more than 0 and at most {MAX_TIME_LIMIT:g} seconds, got {time_limit}"
        )
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS
    ):
        raise DutyplanError(f"workers must be a whole number from 1 to {MAX_WORKERS}, got {workers!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise DutyplanError(f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")


def check_stall(seconds: Any, deterministic: bool) -> None:
    """Refuse a ``no_improvement`` that is not a positive number of seconds, or that comes
    with deterministic time (a stall is measured on the wall clock)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not (
        math.isfinite(seconds) and 0 < seconds <= MAX_TIME_LIMIT
    ):
        raise DutyplanError(
            f"no_improvement must be a number of seconds, more than 0 and at most {MAX_TIME_LIMIT:g}, got {seconds!r}"
        )
    if deterministic:
        raise DutyplanError(
            "no_improvement counts wall seconds and cannot be combined with deterministic time "
            "(a deterministic run stops by its time limit alone)"
        )


class Stop:
    """A request to stop early, shared by everything one solve runs.

    :meth:`request` (the first Ctrl-C, or any caller) stops every CP-SAT search registered
    with :meth:`watch` and calls every hook given to :meth:`on_request`; searches started
    afterwards stop at once.

    ``stall``: wall seconds without a better plan after which the search now running is
    stopped (the solve goes on with its next level, and ends early when the last one stalls):
    :meth:`new_level` says a level's search begins (with or without a plan in hand),
    :meth:`improved` that a better plan came, and :meth:`check_stall` (called while a search
    runs) stops the searches once it is due, never before there is a plan in hand;
    ``stalled`` stays true until the next level or better plan.
    """

    def __init__(self, stall: float | None = None) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._solvers: list[cp_model.CpSolver] = []
        self._hooks: list[Callable[[], None]] = []
        self.stall = stall
        self.stalled = False
        self._armed = False  # a plan is in hand: only then may a stall end a search
        self._last_improvement = time.perf_counter()
        # told what the solve is doing, for a live display (dutyplan.progress.LiveSolve):
        # .phase(text), .stage(name, number, total), .solution(value, bound)
        self.live: Any = None

    def tell(self, event: str, *args: Any) -> None:
        """Tell the live display (if any) of a phase, a stage or a better plan; a failing
        display goes quiet and never stops the solve."""
        live = self.live
        if live is None:
            return
        try:
            getattr(live, event)(*args)
        except Exception:  # noqa: BLE001 - a display must never stop a solve
            logger.debug("the live display failed", exc_info=True)
            self.live = None

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def new_level(self, plan_in_hand: bool) -> None:
        """A level's search begins: its stall clock starts (it counts once a plan is in hand)."""
        self._last_improvement = time.perf_counter()
        self.stalled = False
        self._armed = plan_in_hand

    def improved(self) -> None:
        """A better plan came: the stall clock starts again."""
        self._last_improvement = time.perf_counter()
        self.stalled = False
        self._armed = True

    def check_stall(self) -> bool:
        """Stop the searches now running when ``stall`` seconds passed without a better
        plan; True if so (then, or before)."""
        if self.stall is None or self.requested or not self._armed:
            return False
        if self.stalled:
            return True
        if time.perf_counter() - self._last_improvement < self.stall:
            return False
        logger.info("no better plan for %gs: ending this search with the best plan found", self.stall)
        with self._lock:
            self.stalled = True
            solvers = list(self._solvers)
        for solver in solvers:
            solver.stop_search()
        return True

    def request(self) -> None:
        """Stop: every search now running ends with the best plan it has."""
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            solvers, hooks = list(self._solvers), list(self._hooks)
        for solver in solvers:
            solver.stop_search()
        for hook in hooks:
            try:
                hook()
            except Exception:  # noqa: BLE001 - a failing hook must not stop the others
                logger.exception("a stop hook failed")

    def on_request(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` when a stop is requested (at once if it already was)."""
        with self._lock:
            if not self._event.is_set():
                self._hooks.append(hook)
                return
        hook()

    @contextmanager
    def watch(self, solver: cp_model.CpSolver) -> Iterator[None]:
        """Stop ``solver``'s search if a stop is requested while it runs."""
        with self._lock:
            self._solvers.append(solver)
        try:
            if self.requested:
                solver.stop_search()
            yield
        finally:
            with self._lock:
                self._solvers.remove(solver)


class Budget:
    """Seconds a solve may take: wall-clock seconds, or CP-SAT deterministic seconds.

    ``left()`` is what remains (0 once a stop is requested); ``part(seconds)`` a budget for
    one step, at most what is left; ``solver(...)`` a CP-SAT solver whose limit is the budget
    (or less). In deterministic mode only CP-SAT's searches use it up: each :func:`run`
    charges the deterministic time CP-SAT reports to the budget and its parents.
    """

    def __init__(
        self,
        seconds: float,
        deterministic: bool = False,
        stop: Stop | None = None,
        parent: Budget | None = None,
        parallel: int = 1,
    ) -> None:
        self.seconds = max(0.0, float(seconds))
        self.deterministic = deterministic
        self.stop = stop if stop is not None else Stop()
        self.parent = parent
        self.parallel = max(1, parallel)  # searches of this budget run side by side
        self.started = time.perf_counter()
        # deterministic time used by this budget's searches, in whole microseconds: integer
        # sums do not depend on the order searches end in (float sums can, in the last bit)
        self._charged = 0
        self._lock = threading.Lock()

    @classmethod
    def of(cls, limit: Budget | float, deterministic: bool = False) -> Budget:
        """``limit`` if it is a budget, else a new budget of that many seconds."""
        return limit if isinstance(limit, Budget) else cls(limit, deterministic)

    # ------------------------------------------------------------------ reading
    def elapsed(self) -> float:
        """Wall seconds since the budget began."""
        return time.perf_counter() - self.started

    @property
    def charged(self) -> float:
        """Deterministic seconds the searches of this budget used."""
        return self._charged / 1e6

    def used(self) -> float:
        """What counts against the limit: deterministic seconds charged, or wall seconds."""
        return self.charged if self.deterministic else self.elapsed()

    def left(self) -> float:
        """Seconds left (0 once a stop is requested), never more than the parent's."""
        if self.stop.requested:
            return 0.0
        left = max(0.0, self.seconds - self.used())
        if self.parent is not None:
            left = min(left, self.parent.left())
        return left

    def expired(self, margin: float = 0.0) -> bool:
        """No more than ``margin`` seconds left (or a stop requested)."""
        return self.left() <= margin

    def wall_deadline(self) -> float | None:
        """The ``time.time()`` after which work for this budget must stop, to hand to another
        process (None in deterministic mode: there the limit travels as seconds)."""
        if self.deterministic:
            return None
        return time.time() + self.left()

    # ------------------------------------------------------------------ spending
    def part(self, seconds: float | None = None, parallel: int = 1) -> Budget:
        """A budget for one step: ``seconds`` (default: all that is left), at most what is
        left; what it uses counts against this budget too. ``parallel``: it runs that many
        searches side by side (in deterministic mode each charges this budget its share)."""
        left = self.left()
        return Budget(
            left if seconds is None else min(seconds, left), self.deterministic, self.stop,
            parent=self, parallel=parallel,
        )

    def charge(self, deterministic_seconds: float) -> None:
        """Count a search's deterministic time against this budget and its parents."""
        amount = int(round(1e6 * deterministic_seconds / self.parallel))
        budget: Budget | None = self
        while budget is not None:
            with budget._lock:
                budget._charged += amount
            budget = budget.parent

    def solver(
        self, seconds: float | None = None, workers: int = 1, seed: int = 0,
        params: dict[str, Any] | None = None,
    ) -> cp_model.CpSolver:
        """A CP-SAT solver limited to ``seconds`` (default: all that is left), at most what is
        left, with ``workers``, ``seed`` and extra ``params`` by name. In deterministic mode
        the limit is deterministic time and several workers search in CP-SAT's interleaved,
        reproducible way."""
        solver = cp_model.CpSolver()
        parameters = solver.parameters
        limit = self.left() if seconds is None else min(seconds, self.left())
        if self.deterministic:
            parameters.max_deterministic_time = max(0.0, limit)
            if workers > 1:
                parameters.interleave_search = True
        else:
            parameters.max_time_in_seconds = max(0.001, limit)
        parameters.num_workers = workers
        parameters.random_seed = seed
        parameters.catch_sigint_signal = False  # ours: see interruptible()
        for key, value in (params or {}).items():
            if key == "subsolvers":
                parameters.subsolvers.extend(value)
            else:
                setattr(parameters, key, value)
        return solver


def run(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    budget: Budget,
    callback: cp_model.CpSolverSolutionCallback | None = None,
    stoppable: bool = True,
    stall: bool = False,
) -> int:
    """Run one CP-SAT search and return its status: charged to ``budget``, stopped by its
    :class:`Stop` (unless ``stoppable`` is False: a quick completion that must finish), and,
    from the main thread, on a helper thread so that Ctrl-C is handled while it searches.
    ``stall``: a level's search, which the stop's stall (if it has one) may end."""
    solver.parameters.catch_sigint_signal = False
    outcome: dict[str, Any] = {}

    def search() -> None:
        try:
            outcome["status"] = solver.solve(model, callback)
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = error

    watching = budget.stop.watch(solver) if stoppable else _nothing()
    with watching:
        # a helper thread in the main thread (Ctrl-C is handled while CP-SAT searches), and
        # wherever a stall is watched (checked while it searches)
        stall = stall and stoppable and budget.stop.stall is not None
        if threading.current_thread() is threading.main_thread() or stall:
            thread = threading.Thread(target=search, name="dutyplan-cp-sat", daemon=True)
            thread.start()
            try:
                while thread.is_alive():
                    thread.join(JOIN_SECONDS)
                    if stall:
                        budget.stop.check_stall()
            except BaseException:  # a second Ctrl-C: stop the search, then go on raising
                solver.stop_search()
                thread.join(ABORT_SECONDS)  # (a search that will not stop is left behind)
                raise
        else:
            search()
    if "error" in outcome:
        raise outcome["error"]
    budget.charge(solver.response_proto.deterministic_time)
    return outcome["status"]


def solution_objective(model: cp_model.CpModel, solver: cp_model.CpSolver) -> int:
    """The model's objective at the solution the solver returned (after a status of
    OPTIMAL or FEASIBLE), summed from the model's own terms.

    Not ``solver.objective_value``: a search stopped early reports the objective of its
    presolved model, where a penalty variable (an under-cover count) may stand above what
    the solution's assignments leave (measured, OR-Tools 9.15: 1,751 reported for a plan
    the checker costs 1,649, Curtois Instance5 stopped at 0.5 s)."""
    objective = model.proto.objective
    values = solver.response_proto.solution
    total = sum(c * values[v] if v >= 0 else -c * values[-v - 1]
                for v, c in zip(objective.vars, objective.coeffs))
    scale = objective.scaling_factor or 1.0
    return int(round(scale * (total + objective.offset)))


@contextmanager
def _nothing() -> Iterator[None]:
    yield


@contextmanager
def interruptible(stop: Stop, what: str = "solve") -> Iterator[None]:
    """While the block runs (in the main thread), the first Ctrl-C requests ``stop`` (the
    solve ends early with the best plan it has) and the second raises KeyboardInterrupt (it
    aborts at once). Elsewhere (another thread, or Ctrl-C already taken by someone who is not
    Python's default handler) the block just runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN or getattr(previous, "__dutyplan__", False):
        yield  # Ctrl-C ignored here (a pool worker), or an outer dutyplan call handles it
        return

    def handler(signum: int, frame: Any) -> None:
        if not stop.requested:
            logger.warning("Ctrl-C: stopping the %s with the best plan found so far "
                           "(Ctrl-C again to abort)", what)
            stop.request()
            return
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
        raise KeyboardInterrupt

    handler.__dutyplan__ = True  # type: ignore[attr-defined]
    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGINT) is handler:
            signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
