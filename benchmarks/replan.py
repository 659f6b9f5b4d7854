"""Re-plan Shangzhuang after two cadres fall ill from day 5 (issue 6's target: under 5 s,
nothing before day 5 changed, a proven minimum number of changed assignments).

    python benchmarks/replan.py [--publish-seconds 20] [--time-limit 5] [--workers 2] [--seed 0]

The published plan is solved first (``--publish-seconds``). The two cadres who fall ill are the
two with the most duties from day 5 on (the hardest case). Prints the re-plan's wall time
(call to return, model build included), the changes level with its bound, the number of
changed assignments, whether every duty before day 5 is as published, and the independent
checker's verdict (frozen past and changes level recomputed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections import Counter

from _common import level_text, machine, peak_memory_mb

import dutyplan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--publish-seconds", type=float, default=20.0)
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    problem = dutyplan.load_example("shangzhuang")
    published = dutyplan.solve(problem, time_limit=args.publish_seconds, workers=args.workers, seed=args.seed)
    day5 = problem.horizon.start + dt.timedelta(days=4)
    later = Counter(a.person for a in published.assignments if a.date >= day5)
    ill = [person for person, _ in later.most_common(2)]
    changes = {"away": [{"person": person, "start": day5.isoformat()} for person in ill]}

    started = time.perf_counter()
    result = dutyplan.replan(problem, published, changes, freeze_until=day5,
                             time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    wall = time.perf_counter() - started
    plan, r = result.plan, result.plan.result
    freeze = dt.datetime.combine(day5, dt.time(0))
    key = lambda a: (a.person, a.date, a.shift, a.site, a.gate)  # noqa: E731
    past_kept = {key(a) for a in published.assignments if a.start < freeze} == {
        key(a) for a in plan.assignments if a.start < freeze
    }
    report = dutyplan.check(result.problem, plan, published=published, freeze_until=freeze)
    changes_level = next(lv for lv in r.levels if lv.name == "changes")
    print(f"machine: {machine()}")
    print(f"published: {published.result.status}, objective {published.result.objective}, "
          f"{published.missing_person_shifts} person-shifts uncovered ({args.publish_seconds:g}s)")
    print(f"ill from {day5}: {', '.join(ill)} ({sum(later[p] for p in ill)} duties from day 5)")
    print(f"re-plan: wall {wall:.2f}s (limit {args.time_limit:g}s, {args.workers} workers), build "
          f"{r.build_seconds:.2f}s, status {r.status}")
    print(f"changes level {changes_level.value}, bound {changes_level.bound}, "
          f"{'proven minimum' if changes_level.optimal else 'NOT proven'}; "
          f"{result.changed_assignments} changed assignments for {len(result.diff)} people")
    print(f"uncovered person-shifts: {published.missing_person_shifts} published -> {plan.missing_person_shifts}")
    print(f"levels: {level_text(r)}")
    print(f"nothing before day 5 changed: {past_kept}")
    print(f"checker: {'ok' if report.ok else 'VIOLATIONS'}, objective {report.objective} "
          f"({'equal' if report.objective == r.objective else 'DIFFERENT'}); peak {peak_memory_mb():.0f} MB")


if __name__ == "__main__":
    main()
