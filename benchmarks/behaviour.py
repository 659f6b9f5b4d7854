"""Fingerprints of what dutyplan does, to show a refactoring changed nothing.

    python benchmarks/behaviour.py --out before.jsonl      # on the old code
    python benchmarks/behaviour.py --out after.jsonl       # on the new code
    python benchmarks/behaviour.py --compare before.jsonl after.jsonl

Solves, with ``deterministic=True``, one worker and a fixed seed (so that a run repeats
exactly, see README "Stopping early, reproducing a run"), the bundled examples (single model
and decomposed) and 50 random problems drawn by the property tests' own strategy
(``tests/test_properties.py``, derandomized; drawn once and kept in
``benchmarks/results/behaviour_problems.jsonl``, so that old and new code solve the very same
problems), and writes for each: the plan's assignments,
its result (status, objective, bound, levels) and the independent checker's report (levels,
violations, false figures), as a line of JSON with a hash of the whole. ``--compare`` lists
the cases that differ; it exits 1 if any does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import dutyplan  # noqa: E402
from dutyplan.problem import Problem  # noqa: E402

RANDOM_PROBLEMS = 50
SEED = 3
PROBLEMS = Path(__file__).resolve().parent / "results" / "behaviour_problems.jsonl"


def fingerprint(name: str, problem: Problem, **kwargs: Any) -> dict[str, Any]:
    plan = dutyplan.solve(problem, workers=1, seed=SEED, deterministic=True, progress=False, **kwargs)
    report = dutyplan.check(problem, plan)
    result = plan.result
    record = {
        "case": name,
        "assignments": [a.model_dump(mode="json") for a in plan.assignments],
        "result": {
            "status": result.status, "objective": result.objective, "best_bound": result.best_bound,
            "levels": [lv.model_dump(mode="json") for lv in result.levels],
        },
        "check": {
            "levels": report.levels, "violations": [v.model_dump(mode="json") for v in report.violations],
            "mismatches": [m.model_dump(mode="json") for m in report.mismatches],
        },
    }
    record["hash"] = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]
    return record


def random_problems(count: int) -> list[Problem]:
    """The property tests' problems, drawn the same way every time."""
    from hypothesis import HealthCheck, given, settings
    from test_properties import problems

    drawn: list[Problem] = []

    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(problems())
    def collect(problem: Problem) -> None:
        if len(drawn) < count:
            drawn.append(problem)

    collect()
    return drawn


def run(out: Path) -> None:
    cases: list[tuple[str, Problem, dict[str, Any]]] = []
    for name in ("shangzhuang", "yuncheng"):
        problem = dutyplan.load_example(name)
        cases.append((f"{name} single", problem, {"time_limit": 2, "strategy": "single"}))
        cases.append((f"{name} decomposed", problem, {"time_limit": 2, "strategy": "decompose"}))
    if not PROBLEMS.exists():
        PROBLEMS.write_text("".join(p.model_dump_json() + "\n" for p in random_problems(RANDOM_PROBLEMS)),
                            encoding="utf-8")
    drawn = [Problem.model_validate_json(line) for line in PROBLEMS.read_text(encoding="utf-8").splitlines()]
    for i, problem in enumerate(drawn):
        cases.append((f"random {i}", problem, {"time_limit": 0.5}))
    with open(out, "w", encoding="utf-8") as handle:
        for name, problem, kwargs in cases:
            record = fingerprint(name, problem, **kwargs)
            handle.write(json.dumps(record, sort_keys=True) + "\n")
            print(name, record["hash"], record["result"]["status"], record["result"]["objective"], flush=True)


def compare(before: Path, after: Path) -> int:
    old = {r["case"]: r for r in map(json.loads, before.read_text(encoding="utf-8").splitlines())}
    new = {r["case"]: r for r in map(json.loads, after.read_text(encoding="utf-8").splitlines())}
    differ = [case for case in old if case not in new or old[case]["hash"] != new[case]["hash"]]
    differ += [case for case in new if case not in old]
    for case in differ:
        print(f"differs: {case}")
    print(f"{len(old)} cases before, {len(new)} after, {len(differ)} differ")
    return 1 if differ else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="write the fingerprints here")
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        sys.exit(compare(*args.compare))
    run(args.out or Path("behaviour.jsonl"))


if __name__ == "__main__":
    main()
