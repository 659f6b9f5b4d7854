"""Staffing what-if on Shangzhuang with one village's demand doubled (issue 6's target: a
proven minimal answer in under 30 s on 2 cores).

    python benchmarks/staffing.py [--village shangzhuang] [--time-limit 30] [--workers 2] [--seed 0]

Doubles the people needed at every gate of the village, asks for the fewest extra people that
make full cover possible (candidates generated per site), and prints the answer, the seconds to
it (model build included), the cover curve and the independent checker's verdict on the fully
covered plan with the extra people.
"""

from __future__ import annotations

import argparse

from _common import machine, peak_memory_mb

import dutyplan


def doubled(problem: dutyplan.Problem, village: str) -> dutyplan.Problem:
    data = problem.model_dump(mode="json", exclude_unset=True)
    site = next(s for s in data["sites"] if s["id"] == village)
    for gate in site["gates"]:
        for table in [gate.get("demand", {}), *gate.get("weekdays", {}).values(), *gate.get("dates", {}).values()]:
            for shift, entry in table.items():
                table[shift] = {**entry, "need": 2 * entry["need"]} if isinstance(entry, dict) else 2 * entry
    return dutyplan.Problem.model_validate(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--village", default="shangzhuang")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    problem = doubled(dutyplan.load_example("shangzhuang"), args.village)
    answer = dutyplan.staffing(problem, time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    print(f"machine: {machine()}")
    print(f"shangzhuang with {args.village}'s demand doubled; {answer.candidates} candidates; "
          f"limit {args.time_limit:g}s, {args.workers} workers")
    print(answer.summary())
    print(f"minimum {'proven' if answer.proven else 'NOT proven'} after {answer.minimum_seconds:.2f}s; "
          f"all (curve included) {answer.seconds:.2f}s; peak {peak_memory_mb():.0f} MB")
    if answer.plan is not None:
        report = dutyplan.check(answer.problem, answer.plan)
        print(f"checker on the plan with the extra people: {'ok' if report.ok else 'VIOLATIONS'}, "
              f"{answer.plan.missing_person_shifts} person-shifts uncovered")


if __name__ == "__main__":
    main()
