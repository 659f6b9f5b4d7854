"""dutyplan beside Timefold on Timefold's own employee-scheduling data (SMALL and LARGE).

    python benchmarks/peers/timefold.py [--sets small,large] [--limits 30,300] [--workers 2]
                                        [--seed 0] [--no-timefold] [--out PREFIX]

Each run is its own process, so its peak memory is its own. For dutyplan's plans with every
shift staffed, ``soft bound`` is an upper bound on the soft score of any plan with no hard
violation (``dutyplan.io.timefold.soft_upper_bound``), and ``gap %`` the distance to it. Every plan, dutyplan's and
Timefold's, is scored by one scorer, ``dutyplan.io.timefold.score`` (the quickstart's rules,
from the data alone). Per run: hard and soft score, hard violations, seconds to the first plan
with no hard violation, seconds to the best plan, peak memory (max RSS of the process) and,
for dutyplan, the seconds from ``import dutyplan`` to the first solver call (import, load,
model build; for Timefold, import, JVM start and solver build). Times count from the solve
call (model or solver build included).

Timefold runs when the optional ``peers`` group is installed (``pip install -e ".[peers]"``;
Java 17), through ``timefold_model.py``: our own constraint provider of the quickstart's rules,
one solver thread and Timefold's default phases, as the quickstart runs it. ``--workers`` is
dutyplan's CP-SAT thread count. ``--out PREFIX`` writes PREFIX.csv and PREFIX.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# this file is named timefold.py: keep its folder off the path so "import timefold" finds the
# package, and reach the shared helpers and the peer model by path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from _common import machine, peak_memory_mb, write_results  # noqa: E402

DEFAULT_DATA = HERE.parent.parent.parent / "shared" / "benchmarks" / "timefold-employee"
COLUMNS = [
    "set", "solver", "time_limit", "hard", "soft", "soft_bound", "soft_gap_pct", "hard_violations",
    "unassigned", "first_no_hard_s", "to_best_s", "import_to_solver_s", "peak_memory_mb", "own_score",
    "workers", "cpu",
]


def run_dutyplan(name: str, limit: float, args: argparse.Namespace) -> dict:
    began = time.perf_counter()
    import dutyplan
    from dutyplan.io import timefold

    data = timefold.read(Path(args.data) / f"{name}.json")
    problem = timefold.to_problem(data, name)
    loaded = time.perf_counter()
    plan = dutyplan.solve(problem, time_limit=limit, workers=args.workers, seed=args.seed)
    r = plan.result
    score = timefold.score(data, timefold.shift_assignment(data, plan))
    report = dutyplan.check(problem, plan)
    assert report.ok and report.objective == r.objective, report.summary()
    # cover 0 = every shift staffed; dutyplan's hard rules are the quickstart's other hard rules
    full = [p.seconds for p in r.progress if p.stage == "cover" and p.value == 0]
    levels = {lv.name: lv for lv in r.levels}
    bound = None
    if levels["cover"].value == 0 and levels["preferences"].bound is not None:
        bound = timefold.soft_upper_bound(data, problem, levels["preferences"].bound)
    return {
        "solver": "dutyplan",
        "soft_bound": bound,
        "soft_gap_pct": None if bound is None else round(100 * (bound - score.soft) / abs(bound), 4),
        "first_no_hard_s": round(full[0], 2) if full and score.hard == 0 else None,
        "to_best_s": round(r.progress[-1].seconds, 2) if r.progress else None,
        "import_to_solver_s": round(loaded - began + r.build_seconds, 2),
        "own_score": f"{r.status} {r.objective} (" + ", ".join(
            f"{lv.name} {lv.value}/{lv.bound}" for lv in r.levels) + ")",
        **_score_fields(score),
    }


def run_timefold(name: str, limit: float, args: argparse.Namespace) -> dict:
    began = time.perf_counter()  # importing timefold starts its JVM
    from dutyplan.io import timefold

    spec = importlib.util.spec_from_file_location("timefold_model", HERE / "timefold_model.py")
    model = importlib.util.module_from_spec(spec)
    sys.modules["timefold_model"] = model  # dataclasses look their module up
    spec.loader.exec_module(model)  # type: ignore[union-attr]
    data = timefold.read(Path(args.data) / f"{name}.json")
    out = model.solve(data, limit)
    score = timefold.score(data, out["assignment"])
    return {
        "solver": "timefold",
        "first_no_hard_s": None if out["first_no_hard_s"] is None else round(out["first_no_hard_s"], 2),
        "to_best_s": None if out["to_best_s"] is None else round(out["to_best_s"], 2),
        "import_to_solver_s": round(out["started"] - began, 2),
        "own_score": out["own_score"],
        **_score_fields(score),
    }


def _score_fields(score) -> dict:
    return {"hard": score.hard, "soft": score.soft, "hard_violations": score.violations,
            "unassigned": score.unassigned}


def one(args: argparse.Namespace) -> None:
    solver, name, limit = args.one
    runner = run_dutyplan if solver == "dutyplan" else run_timefold
    row = runner(name, float(limit), args)
    row.update(set=name, time_limit=float(limit), workers=args.workers if solver == "dutyplan" else 1,
               peak_memory_mb=round(peak_memory_mb()), cpu=machine())
    print(json.dumps(row))


def timefold_installed() -> bool:
    try:
        return importlib.util.find_spec("timefold.solver") is not None
    except ModuleNotFoundError:
        return False


def markdown(rows: list[dict]) -> str:
    head = ["set", "limit s", "solver", "hard", "soft", "soft bound", "gap %", "violations",
            "first no-hard s", "to best s", "import to solver s", "peak MB"]
    keys = ["set", "time_limit", "solver", "hard", "soft", "soft_bound", "soft_gap_pct",
            "hard_violations", "first_no_hard_s", "to_best_s", "import_to_solver_s", "peak_memory_mb"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        lines.append("| " + " | ".join("" if row.get(k) is None else str(row[k]) for k in keys) + " |")
    return "\n".join(lines)


def ratios(rows: list[dict]) -> list[str]:
    """dutyplan beside Timefold per set and limit."""
    out = []
    by = {(r["set"], r["time_limit"], r["solver"]): r for r in rows}
    for (name, limit, solver), d in by.items():
        t = by.get((name, limit, "timefold"))
        if solver != "dutyplan" or t is None:
            continue
        parts = [f"{name} {limit:g}s: hard {d['hard']} vs {t['hard']}",
                 f"soft {d['soft']} vs {t['soft']} (difference {round(d['soft'] - t['soft'], 5):+})"]
        if d["first_no_hard_s"] is not None and t["first_no_hard_s"]:
            parts.append(f"first no-hard plan {d['first_no_hard_s']} s vs {t['first_no_hard_s']} s "
                         f"({t['first_no_hard_s'] / max(d['first_no_hard_s'], 0.01):.1f}x faster)")
        elif t["first_no_hard_s"] is None:
            parts.append("Timefold never reached 0 hard")
        parts.append(f"peak memory {d['peak_memory_mb']} MB vs {t['peak_memory_mb']} MB "
                     f"({t['peak_memory_mb'] / max(d['peak_memory_mb'], 1):.1f}x less)")
        out.append("; ".join(parts))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="small,large")
    parser.add_argument("--limits", default="30,300")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--no-timefold", action="store_true", help="run dutyplan only")
    parser.add_argument("--out", default=None, help="path prefix for .csv and .md")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args)
        return
    solvers = ["dutyplan"]
    if not args.no_timefold:
        if timefold_installed():
            solvers.append("timefold")
        else:
            print("timefold is not installed (pip install -e '.[peers]'): dutyplan only", file=sys.stderr)
    command = "python benchmarks/peers/timefold.py " + " ".join(sys.argv[1:])
    print(f"$ {command}\nmachine: {machine()}", flush=True)
    rows = []
    for name in args.sets.split(","):
        for limit in [float(x) for x in args.limits.split(",")]:
            for solver in solvers:
                child = [sys.executable, __file__, "--one", solver, name, str(limit), "--workers",
                         str(args.workers), "--seed", str(args.seed), "--data", args.data]
                done = subprocess.run(child, capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    print(f"{name} {limit:g}s {solver}: failed\n{done.stderr[-3000:]}", file=sys.stderr)
                    continue
                row = json.loads(done.stdout.strip().splitlines()[-1])
                rows.append(row)
                print(f"{name} {limit:g}s {solver}: {row['hard']}hard/{row['soft']}soft, "
                      f"{row['hard_violations']} violations, first no-hard {row['first_no_hard_s']} s, "
                      f"best at {row['to_best_s']} s, import to solver {row['import_to_solver_s']} s, "
                      f"{row['peak_memory_mb']} MB; own: {row['own_score']}", flush=True)
    table = markdown(rows)
    side = ratios(rows)
    print("\n" + table + ("\n\n" + "\n".join(side) if side else ""))
    if args.out:
        write_results(
            args.out, rows, COLUMNS,
            f"Command: `{command}`\n\nMachine: {machine()}.\n\n{table}\n"
            + ("\n" + "\n".join(f"- {line}" for line in side) + "\n" if side else ""),
        )


if __name__ == "__main__":
    main()
