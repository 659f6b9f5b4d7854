"""Solution quality and stability: every level's value and bound, time to proof, the spread
across seeds, for 1 and 2 workers.

    python benchmarks/quality.py                       # every problem, workers 1 2, seeds 0-4
    python benchmarks/quality.py --problems shangzhuang yuncheng --seeds 0 1 2 --workers 2
    python benchmarks/quality.py --problems roles --time-limit 20 --deterministic

Problems (each traceable to ../shared/domain.md):

* ``shangzhuang``, ``yuncheng``: the bundled examples (default limit 10 s);
* ``s100``, ``s500``: synthetic districts of 100 people, 10 sites, 21 gates and 28 days (60 s)
  and of 500 people, 50 sites, 100 gates and 28 days (300 s), ``synth.generate`` seed 1;
* ``roles``: a synthetic city of 100 people at 6 communities over 14 days with the Beijing
  rule hard (an agency cadre, a township cadre and a health professional on duty at every
  community around the clock), ``synth.city(100, 6, 14, seed=0, roles=True)`` (20 s).

Per run it prints status, objective, each level as value/bound (``*`` proven), the wall
seconds to the end of the solve (to the proof when the status is optimal), why it stopped and
the independent checker's verdict; per problem and worker count, the objectives' spread
across seeds. ``--out PREFIX`` writes ``PREFIX.csv`` and ``PREFIX.md``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from _common import machine, write_results

import dutyplan
from dutyplan.synth import city, generate

PROBLEMS: dict[str, tuple[Callable[[], dutyplan.Problem], float]] = {
    "shangzhuang": (lambda: dutyplan.load_example("shangzhuang"), 10.0),
    "yuncheng": (lambda: dutyplan.load_example("yuncheng"), 10.0),
    "s100": (lambda: generate(100, 10, 21, 28, seed=1), 60.0),
    "s500": (lambda: generate(500, 50, 100, 28, seed=1), 300.0),
    "roles": (lambda: city(100, 6, 14, seed=0, roles=True), 20.0),
}
COLUMNS = ["problem", "workers", "seed", "limit", "deterministic", "status", "objective", "best_bound",
           "gap", "levels", "seconds", "stop_reason", "uncovered", "checker"]


def run(name: str, problem: dutyplan.Problem, limit: float, workers: int, seed: int, deterministic: bool) -> dict:
    started = time.perf_counter()
    plan = dutyplan.solve(problem, time_limit=limit, workers=workers, seed=seed, deterministic=deterministic,
                          progress=False)
    seconds = time.perf_counter() - started
    r = plan.result
    report = dutyplan.check(problem, plan) if r.objective is not None else None
    levels = ", ".join(f"{lv.name} {lv.value}/{'?' if lv.bound is None else lv.bound}{'*' if lv.optimal else ''}"
                       for lv in r.levels)
    return {
        "problem": name, "workers": workers, "seed": seed, "limit": limit, "deterministic": deterministic,
        "status": r.status, "objective": r.objective, "best_bound": r.best_bound,
        "gap": None if r.gap is None else round(100 * r.gap, 2), "levels": levels, "seconds": round(seconds, 2),
        "stop_reason": r.stop_reason, "uncovered": plan.missing_person_shifts,
        "checker": "n/a" if report is None else "ok" if report.ok else
        f"{len(report.violations)} hard rules broken, {len(report.mismatches)} false figures",
    }


def spread(rows: list[dict]) -> str:
    objectives = [row["objective"] for row in rows if row["objective"] is not None]
    proven = sum(row["status"] == "optimal" for row in rows)
    if not objectives:
        return f"no plan in {len(rows)} runs"
    proof = [row["seconds"] for row in rows if row["status"] == "optimal"]
    text = (f"objective {min(objectives)}-{max(objectives)} (spread {max(objectives) - min(objectives)}), "
            f"{len(set(objectives))} distinct of {len(rows)}; proven {proven}/{len(rows)}")
    if proof:
        text += f" in {min(proof):.1f}-{max(proof):.1f} s"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", nargs="+", choices=list(PROBLEMS), default=list(PROBLEMS))
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--time-limit", type=float, help="seconds per solve (default: the problem's)")
    parser.add_argument("--deterministic", action="store_true", help="count the limit in deterministic time")
    parser.add_argument("--out", help="write PREFIX.csv and PREFIX.md")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    rows: list[dict] = []
    lines = ["| problem | workers | seed | status | objective | levels (value/bound, * proven) | s | stop | checker |",
             "|---|---|---|---|---|---|---|---|---|"]
    summaries = []
    for name in args.problems:
        make, default_limit = PROBLEMS[name]
        problem = make()
        limit = args.time_limit or default_limit
        for workers in args.workers:
            group = []
            for seed in args.seeds:
                row = run(name, problem, limit, workers, seed, args.deterministic)
                group.append(row)
                print(f"{name} workers {workers} seed {seed}: {row['status']}, objective {row['objective']}, "
                      f"bound {row['best_bound']}, {row['levels']}, {row['seconds']} s, {row['stop_reason']}, "
                      f"checker {row['checker']}", flush=True)
                lines.append(f"| {name} | {workers} | {seed} | {row['status']} | {row['objective']} | {row['levels']} "
                             f"| {row['seconds']} | {row['stop_reason']} | {row['checker']} |")
            rows.extend(group)
            summary = f"{name}, {workers} worker(s), {limit:g} s{' deterministic' if args.deterministic else ''}: {spread(group)}"
            summaries.append(f"- {summary}")
            print(summary, flush=True)
    if args.out:
        command = "python benchmarks/quality.py " + " ".join(
            [f"--problems {' '.join(args.problems)}", f"--workers {' '.join(map(str, args.workers))}",
             f"--seeds {' '.join(map(str, args.seeds))}"]
            + ([f"--time-limit {args.time_limit:g}"] if args.time_limit else [])
            + (["--deterministic"] if args.deterministic else []) + [f"--out {args.out}"])
        markdown = "\n".join([f"Command: `{command}`", "", f"Machine: {machine()}.", "", *summaries, "", *lines, ""])
        write_results(str(Path(args.out)), rows, COLUMNS, markdown)


if __name__ == "__main__":
    main()
