"""Pictures at every size (issue 20): seconds, pixels and peak memory of each plot kind.

Tongzhou's 3,717 cadres, a district of 3,000 people at 250 sites (where the coverage picture
was 1,950 x 26,907 px, 28 s and 1.8 GB) and the Shangzhuang village (../shared/domain.md).
Each (size, kind) runs in a process of its own, so its peak memory is its own.

    python benchmarks/plots.py                     # village, district, 3,000 / 250, 3,717 / 300
    python benchmarks/plots.py --one 2 --kind coverage

The plan drawn is a cheap one (the first free person per gate-shift of the first 30 sites, 3
dates): the pictures' cost depends on the problem's size, not on the plan's quality.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, markdown_table, peak_memory_mb, write_results  # noqa: E402

SIZES = [("village", 0, 0, 0), ("district", 300, 24, 48), ("3000/250", 3000, 250, 500),
         ("Tongzhou", 3717, 300, 600)]
KINDS = ("map", "coverage", "gantt", "convergence")


def one(size: int, kind: str) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import dutyplan
    from dutyplan import plots, synth
    from dutyplan.plan import Assignment, Plan, Result

    name, people, sites, gates = SIZES[size]
    problem = (dutyplan.load_example("shangzhuang") if people == 0
               else synth.generate(people, sites, gates, 14, seed=1))
    assignments, busy = [], set()
    free = iter(p.id for p in problem.people for _ in range(3))
    shift = problem.shift_types[1 % len(problem.shift_types)]
    for si, site in enumerate(problem.sites[:30]):
        for gi, gate in enumerate(site.gates):
            for day in problem.dates[:3]:
                person = next(free, None)
                if person is None or (person, day) in busy or problem.demand(si, gi, day, shift.id) is None:
                    continue
                busy.add((person, day))
                assignments.append(Assignment(
                    person=person, date=day, shift=shift.id, site=site.id, gate=gate.id,
                    start=problem.shift_start(day, shift.id), end=problem.shift_end(day, shift.id)))
    plan = Plan.build(problem, assignments, Result(status="feasible"))
    draw = {"map": lambda: plots.plot_map(problem, plan),
            "coverage": lambda: plots.plot_coverage(problem, plan),
            "gantt": lambda: plots.plot_gantt(problem, plan),
            "convergence": lambda: plots.plot_convergence(plan)}[kind]
    started = time.perf_counter()
    figure = draw()
    figure.savefig(Path("/dev/null"), format="png")
    seconds = time.perf_counter() - started
    width, height = figure.get_size_inches() * figure.dpi
    return {"size": name, "people": len(problem.people), "sites": len(problem.sites),
            "gates": sum(len(s.gates) for s in problem.sites), "kind": kind,
            "seconds": round(seconds, 2), "pixels": f"{int(width)} x {int(height)}",
            "peak_mb": round(peak_memory_mb())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", type=int, help="one size (its index), in this process")
    parser.add_argument("--kind", choices=KINDS)
    parser.add_argument("--out", default="benchmarks/results/plots")
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one, args.kind)))
        return
    rows = []
    for size in range(len(SIZES)):
        for kind in KINDS:
            done = subprocess.run([sys.executable, __file__, "--one", str(size), "--kind", kind],
                                  capture_output=True, text=True, check=True)
            row = json.loads(done.stdout.strip().splitlines()[-1])
            print(row, flush=True)
            rows.append(row)
    head = ["size", "people", "sites", "gates", "kind", "seconds (draw + PNG)", "pixels", "peak MB"]
    keys = ["size", "people", "sites", "gates", "kind", "seconds", "pixels", "peak_mb"]
    text = f"# Plots at every size\n\n{machine()}\n\n`python benchmarks/plots.py`\n\n"
    write_results(args.out, rows, keys, text + markdown_table(rows, head, keys) + "\n")


if __name__ == "__main__":
    main()
