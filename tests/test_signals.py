"""Ctrl-C and kill -9, as an operator does them to a running ``dutyplan solve``.

The first Ctrl-C stops the search and writes the best plan found so far (exit 130, its path
printed), and that plan passes the independent check; a second Ctrl-C aborts at once; pool
workers die with their parent, even when it is killed with SIGKILL.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dutyplan import synth

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX signals")

MARKER_SECONDS = 120  # at most this long for the solve to reach the phase a test interrupts


def long_district(cwd: Path) -> str:
    """A decomposed problem whose sites keep the pool busy for the whole limit (60 people, 6
    sites, 21 days: no site roster is proven within a minute), so that a test's Ctrl-C
    always finds the sites being rostered. Shangzhuang's decomposed solve can finish within
    a second of choosing its sites, before the Ctrl-C arrives."""
    (cwd / "district.json").write_text(synth.generate(60, 6, 12, 21, seed=1).model_dump_json(),
                                       encoding="utf-8")
    return "district.json"


class Running:
    """``dutyplan -v solve ...`` as a child process, its log read line by line."""

    def __init__(self, *argv: str, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dutyplan.cli", "-v", "solve", *argv],
            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)

    def wait_for(self, marker: str) -> None:
        """Until a log line contains ``marker`` (the solve has reached that phase)."""
        deadline = time.monotonic() + MARKER_SECONDS
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.process.poll() is None, "".join(self.log)
                continue
            self.log.append(line)
            if marker in line:
                return
        raise AssertionError(f"no {marker!r} in the log: {''.join(self.log)}")

    def interrupt(self) -> None:
        self.process.send_signal(signal.SIGINT)

    def finish(self, timeout: float = 30.0) -> tuple[int, str]:
        """Exit code and the rest of the log (a process still running after ``timeout`` is
        killed, and the test fails with its log)."""
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            time.sleep(0.2)
            while not self.lines.empty():
                self.log.append(self.lines.get())
            raise AssertionError(f"still running {timeout:.0f} s later: {''.join(self.log)}") from None
        time.sleep(0.2)
        while not self.lines.empty():
            self.log.append(self.lines.get())
        return code, "".join(self.log)


def check(problem: str, plan: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dutyplan.cli", "check", problem, str(plan)],
                          cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=300)


def assert_interrupted_with_a_checked_plan(run: Running, problem: str, plan: Path, cwd: Path) -> str:
    began = time.monotonic()
    run.interrupt()
    code, log = run.finish()
    assert code == 130, log
    assert time.monotonic() - began < 15, "the first Ctrl-C must stop the solve promptly"
    assert "Traceback" not in log, log
    assert f"written to {plan}" in log, log
    checked = check(problem, plan, cwd)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads((cwd / plan).read_text(encoding="utf-8"))["result"]["stop_reason"] == "interrupted"
    return log


def test_ctrl_c_on_a_single_model_solve_writes_the_best_plan(tmp_path: Path) -> None:
    run = Running("shangzhuang", "--strategy", "single", "--time-limit", "300", "--workers", "2",
                  "--out", str(tmp_path / "plan.json"), "--quiet", cwd=tmp_path)
    run.wait_for("model built in")
    time.sleep(1.0)  # well into the search
    assert_interrupted_with_a_checked_plan(run, "shangzhuang", tmp_path / "plan.json", tmp_path)


def test_ctrl_c_on_a_decomposed_solve_writes_the_best_plan(tmp_path: Path) -> None:
    problem = long_district(tmp_path)
    run = Running(problem, "--strategy", "decompose", "--time-limit", "300", "--workers", "2",
                  "--out", str(tmp_path / "plan.json"), "--quiet", cwd=tmp_path)
    run.wait_for("sites chosen at")  # sites being rostered on the process pool
    time.sleep(0.5)
    assert_interrupted_with_a_checked_plan(run, problem, tmp_path / "plan.json", tmp_path)


def test_ctrl_c_on_a_city_scale_solve_keeps_plan_and_checkpoint(tmp_path: Path) -> None:
    problem = synth.city(700, 80, 14, seed=3)  # 56,000 person-site pairs: the city path
    (tmp_path / "city.json").write_text(problem.model_dump_json(), encoding="utf-8")
    run = Running("city.json", "--time-limit", "300", "--workers", "2", "--quiet",
                  "--checkpoint", "ckpt", cwd=tmp_path)  # no --out: a default file
    run.wait_for("sites chosen at")
    time.sleep(1.0)
    plan = Path(f"{problem.name}.interrupted.plan.json")
    log = assert_interrupted_with_a_checked_plan(run, "city.json", plan, tmp_path)
    assert "run again with --checkpoint to resume" in log
    assert (tmp_path / "ckpt" / "manifest.json").exists()
    assert (tmp_path / "ckpt" / "site_choice.json").exists()


def test_a_second_ctrl_c_aborts_at_once(tmp_path: Path) -> None:
    run = Running(long_district(tmp_path), "--strategy", "decompose", "--time-limit", "300", "--workers", "2",
                  "--out", "plan.json", "--quiet", cwd=tmp_path)
    run.wait_for("sites chosen at")
    time.sleep(0.5)
    run.interrupt()
    time.sleep(0.05)
    run.interrupt()
    began = time.monotonic()
    code, log = run.finish()
    # 130 when the second Ctrl-C comes while dutyplan still runs; killed by SIGINT (as
    # Python ends on a KeyboardInterrupt) when it comes as the process exits after the first
    assert code in (130, -signal.SIGINT), log
    assert time.monotonic() - began < 10, log
    assert "Traceback" not in log, log


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(child) for child in found]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_pool_workers_die_with_their_parent_on_kill_9(tmp_path: Path) -> None:
    run = Running(long_district(tmp_path), "--strategy", "decompose", "--time-limit", "300", "--workers", "2",
                  "--quiet", cwd=tmp_path)
    run.wait_for("sites chosen at")
    deadline = time.monotonic() + 30
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = _children(run.process.pid)
        time.sleep(0.2)
    assert workers, "the pool has no worker"
    run.process.send_signal(signal.SIGKILL)
    run.process.wait(timeout=10)
    time.sleep(5)
    assert not [pid for pid in workers if _alive(pid)], "a pool worker outlived its killed parent"


def test_ctrl_c_in_python_returns_the_best_plan(tmp_path: Path) -> None:
    """In a notebook or script, Ctrl-C during ``solve`` returns the plan so far (status and
    figures true), and SIGINT works as usual afterwards."""
    code = """
import os, signal, threading, time
import dutyplan
# the village over 28 days: a first plan within half a second, no proof within 25 s (over its
# 14 days a fast machine proves it in 2.4 s, before a Ctrl-C at 3 s)
problem = dutyplan.load_example("shangzhuang")
problem = type(problem).model_validate(
    {**problem.model_dump(), "horizon": {**problem.horizon.model_dump(), "days": 28}})
threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
began = time.perf_counter()
plan = dutyplan.solve(problem, time_limit=300, workers=2, strategy="single", progress=False)
print("seconds", round(time.perf_counter() - began, 1), plan.result.stop_reason,
      dutyplan.check(problem, plan).ok)
try:
    threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    time.sleep(5)
    print("no KeyboardInterrupt")
except KeyboardInterrupt:
    print("KeyboardInterrupt as usual")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=200,
                          cwd=tmp_path, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    seconds, reason, ok = lines[0].split()[1:]
    assert float(seconds) < 60 and reason == "interrupted" and ok == "True", done.stdout
    assert lines[1] == "KeyboardInterrupt as usual", done.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the pool's workers with pgrep")
def test_a_pool_worker_killed_mid_job_loses_nothing_else(tmp_path: Path) -> None:
    """A worker killed with SIGKILL (as the out-of-memory killer would) leaves the sites of its
    jobs without a plan that round; the solve goes on with a new pool and ends with a plan
    that checks clean."""
    problem = long_district(tmp_path)
    run = Running(problem, "--strategy", "decompose", "--time-limit", "15", "--workers", "2",
                  "--out", str(tmp_path / "plan.json"), "--quiet", cwd=tmp_path)
    run.wait_for("sites chosen at")
    deadline = time.monotonic() + 30
    workers: list[int] = []
    while time.monotonic() < deadline and not workers:
        workers = _children(run.process.pid)
        time.sleep(0.05)
    assert workers, "the pool has no worker"
    os.kill(workers[0], signal.SIGKILL)
    code, log = run.finish(timeout=120)
    assert code == 0, log
    assert "Traceback" not in log, log
    assert "worker died" in log, log
    assert check(problem, tmp_path / "plan.json", tmp_path).returncode == 0
