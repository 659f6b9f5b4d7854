"""Do time limits hold at any horizon length, and do deterministic runs repeat?

    python benchmarks/limits.py --runs limits [--workers 1,2] [--out benchmarks/results/limits]
    python benchmarks/limits.py --runs determinism [--seeds 0,1,2] [--out benchmarks/results/determinism]

``limits``: Shangzhuang over 14, 365, 730 and 3,660 days and a synthetic 100-person, 10-site
district over 28 and 3,660 days (``dutyplan.synth.generate``, seed 1), each solved by the
command line with a wall-clock limit of 5 and 10 s on 1 and 2 workers. Each run is its own
process: ``solve`` seconds are the solve call's wall time (``build_seconds +
solve_seconds``), ``command`` the whole command (Python start, reading, solving, the
independent check, writing), peak memory that process's (GNU time; its pool's workers are
not counted). The target: the
solve call ends within 5% of its limit plus 1 s. Every plan is checked.

``determinism``: Shangzhuang, Yuncheng and a 700-person test city (the city path) solved
twice per seed with ``--deterministic`` on 1 and 2 workers, the second time while another
process keeps a core busy; and twice without it, for comparison. Reports whether the two
plans are identical, the objective, the deterministic seconds used and the wall seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import machine, write_results

from dutyplan import synth
from dutyplan.examples import load_example

RESULTS = Path(__file__).resolve().parent / "results"
BUSY = "import time\nend = time.time() + 3600\nwhile time.time() < end: pass\n"


def problems(directory: Path) -> dict[str, Path]:
    """The problem files of the limits runs, written into ``directory``."""
    files = {}
    for days in (14, 365, 730, 3660):
        problem = load_example("shangzhuang")
        problem = problem.model_copy(update={"horizon": problem.horizon.model_copy(update={"days": days})})
        files[f"shangzhuang {days} d"] = directory / f"shangzhuang_{days}.json"
        files[f"shangzhuang {days} d"].write_text(problem.model_dump_json(), encoding="utf-8")
    for days in (28, 3660):
        problem = synth.generate(100, 10, 21, days, seed=1)
        files[f"synthetic 100/10/21 {days} d"] = directory / f"synthetic_{days}.json"
        files[f"synthetic 100/10/21 {days} d"].write_text(problem.model_dump_json(), encoding="utf-8")
    return files


def solve(path: str, out: Path, *extra: str) -> tuple[dict, float, float, int]:
    """Plan, command wall seconds, peak memory MB of the command's process (GNU time's %M;
    pool workers not included), exit code."""
    began = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "peak %M", sys.executable, "-m", "dutyplan.cli", "solve", path,
         "--quiet", "--out", str(out), *extra],
        capture_output=True, text=True, encoding="utf-8",
    )
    wall = time.perf_counter() - began
    peaks = [line for line in done.stderr.splitlines() if line.startswith("peak ")]
    peak = int(peaks[-1].split()[1]) / 1024 if peaks else float("nan")
    plan = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    if done.returncode not in (0, 3):
        print(done.stdout[-2000:], done.stderr[-2000:])
    return plan, wall, peak, done.returncode


def limits(args: argparse.Namespace) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for name, path in problems(directory).items():
            for limit in (5, 10):
                for workers in args.workers:
                    out = directory / "plan.json"
                    out.unlink(missing_ok=True)
                    plan, wall, peak, code = solve(str(path), out, "--time-limit", str(limit),
                                                   "--workers", str(workers))
                    result = plan.get("result", {})
                    seconds = result.get("build_seconds", 0) + result.get("solve_seconds", 0)
                    row = {
                        "problem": name, "limit": limit, "workers": workers,
                        "solve_s": round(seconds, 2), "command_s": round(wall, 2),
                        "within": seconds <= 1.05 * limit + 1, "peak_mb": round(peak),
                        "status": result.get("status", "no plan file"), "exit": code,
                        "objective": result.get("objective"),
                        "uncovered": sum(u["missing"] for u in plan.get("uncovered", [])),
                    }
                    rows.append(row)
                    print(row, flush=True)
    columns = ["problem", "limit", "workers", "solve_s", "command_s", "within", "peak_mb", "status",
               "exit", "objective", "uncovered"]
    lines = [
        f"Time limits by horizon ({machine()}); `python benchmarks/limits.py --runs limits`",
        "",
        "| problem | limit | workers | solve s | command s | within 5% + 1 s | peak MB | status | objective | uncovered |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['problem']} | {r['limit']} s | {r['workers']} | {r['solve_s']} | {r['command_s']} | "
            f"{'yes' if r['within'] else 'NO'} | {r['peak_mb']} | {r['status']} | {r['objective']} | {r['uncovered']} |"
        )
    write_results(args.out or str(RESULTS / "limits"), rows, columns, "\n".join(lines) + "\n")


def fingerprint(plan: dict) -> str:
    return hashlib.sha256(json.dumps(plan.get("assignments", []), sort_keys=True).encode()).hexdigest()[:12]


def determinism(args: argparse.Namespace) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        city = directory / "city.json"
        city.write_text(synth.city(700, 80, 14, seed=5).model_dump_json(), encoding="utf-8")
        cases = [("shangzhuang", "shangzhuang", 3), ("yuncheng", "yuncheng", 3), ("city 700/80", str(city), 3)]
        for name, path, limit in cases:
            for workers in args.workers:
                for seed in args.seeds:
                    for mode in ("deterministic", "wall clock"):
                        extra = ["--time-limit", str(limit), "--workers", str(workers), "--seed", str(seed)]
                        if mode == "deterministic":
                            extra.append("--deterministic")
                        first, wall_1, _, _ = solve(path, directory / "a.json", *extra)
                        spinner = subprocess.Popen([sys.executable, "-c", BUSY])
                        try:
                            second, wall_2, _, _ = solve(path, directory / "b.json", *extra)
                        finally:
                            spinner.kill()
                            spinner.wait()
                        row = {
                            "problem": name, "mode": mode, "limit": limit, "workers": workers, "seed": seed,
                            "identical": fingerprint(first) == fingerprint(second),
                            "objective_1": first["result"]["objective"], "objective_2": second["result"]["objective"],
                            "deterministic_s": first["result"].get("deterministic_seconds"),
                            "wall_1": round(wall_1, 1), "wall_2_loaded": round(wall_2, 1),
                        }
                        rows.append(row)
                        print(row, flush=True)
    columns = ["problem", "mode", "limit", "workers", "seed", "identical", "objective_1", "objective_2",
               "deterministic_s", "wall_1", "wall_2_loaded"]
    lines = [
        f"Reproducibility ({machine()}); `python benchmarks/limits.py --runs determinism`; the second "
        "run of each pair beside a process keeping one core busy",
        "",
        "| problem | mode | limit | workers | seed | identical plans | objectives | deterministic s | wall s (second loaded) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['problem']} | {r['mode']} | {r['limit']} s | {r['workers']} | {r['seed']} | "
            f"{'yes' if r['identical'] else 'no'} | {r['objective_1']} / {r['objective_2']} | "
            f"{r['deterministic_s']} | {r['wall_1']} / {r['wall_2_loaded']} |"
        )
    write_results(args.out or str(RESULTS / "determinism"), rows, columns, "\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", choices=("limits", "determinism"), required=True)
    parser.add_argument("--workers", default="1,2", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--seeds", default="0,1,2", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--out", default=None, help="results prefix (default benchmarks/results/<runs>)")
    args = parser.parse_args()
    print(machine())
    limits(args) if args.runs == "limits" else determinism(args)


if __name__ == "__main__":
    main()
