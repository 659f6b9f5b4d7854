"""One function per subcommand: it reads its arguments, does the work and returns the exit code."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dutyplan.cli.inputs import (
    beside,
    checked_plan_out,
    executor_of,
    interrupted,
    load_input,
    moment,
    plan_and_problem,
    timefold_score,
    write_plan,
)
from dutyplan.cli.terminal import EXIT_BAD_INPUT, EXIT_NO_PLAN, EXIT_OK, EXIT_VIOLATIONS
from dutyplan.errors import DutyplanError
from dutyplan.io.files import save_problem
from dutyplan.writing import writable_directory, writable_file


def solve_command(args: argparse.Namespace) -> int:
    from dutyplan.checker import check
    from dutyplan.solve import solve

    if args.out:
        writable_file(args.out, "--out")
    if args.checkpoint:
        writable_directory(args.checkpoint, "--checkpoint")
    problem = load_input(args.problem, args.format)
    with executor_of(args.dask) as executor:
        plan = solve(
            problem, time_limit=args.time_limit, workers=args.workers, seed=args.seed, log=args.log,
            strategy=args.strategy, executor=executor, checkpoint_dir=args.checkpoint,
            progress=not args.quiet, deterministic=args.deterministic, no_improvement=args.no_improvement,
        )
    if plan.result.stop_reason == "interrupted":
        return interrupted(args, problem.name, plan)
    if plan.result.status in ("infeasible", "unknown"):
        if plan.result.status == "infeasible":
            why = "the hard rules cannot all hold together"
        elif plan.result.unmet:  # a decomposed solve: every site but these has a plan
            why = f"no plan that keeps every hard rule found within {args.time_limit:g}s"
        else:
            why = f"no plan found within {args.time_limit:g}s"
        print(f"no plan for {problem.name}: {why}", file=sys.stderr)
        for line in plan.result.unmet:
            print(f"  - {line}", file=sys.stderr)
        if plan.result.unmet and plan.assignments:
            where = f"is in {args.out}" if args.out else "is written with --out"
            print(f"the plan of every other site (keeping every rule there) {where}", file=sys.stderr)
        elif plan.result.status == "infeasible":
            print(f"run 'dutyplan explain {args.problem}' to see which rules conflict", file=sys.stderr)
        if args.out:
            plan.to_json(args.out)
        return EXIT_NO_PLAN
    write_plan(args, plan)  # first: nothing after the solve (a slow check, Ctrl-C) can lose it
    if not args.quiet:
        print(plan.summary(problem, max_rows=args.rows))
    report = check(problem, plan)
    return checked_plan_out(args, plan, report, "independent check", lambda: timefold_score(args, plan))


def synth_command(args: argparse.Namespace) -> int:
    from dutyplan import synth

    return synth.main(args.args)


def check_command(args: argparse.Namespace) -> int:
    from dutyplan.checker import check
    from dutyplan.plan import Plan

    problem = load_input(args.problem, args.format)
    plan = Plan.from_json(Path(args.plan))
    published = Plan.from_json(Path(args.published)) if args.published else None
    freeze = moment(args.freeze_until, "--freeze-until") if args.freeze_until else None
    report = check(problem, plan, published=published, freeze_until=freeze, rules_only=args.rules_only)
    print(report.summary())
    # a Timefold data set is also scored the quickstart's way; a hard violation fails the check
    no_hard = timefold_score(args, plan)
    return EXIT_OK if report.ok and no_hard is not False else EXIT_VIOLATIONS


def replan_command(args: argparse.Namespace) -> int:
    from dutyplan.checker import check
    from dutyplan.io.files import parse_json, read_text
    from dutyplan.plan import Plan
    from dutyplan.replan import replan

    if args.out:
        writable_file(args.out, "--out")
    problem = load_input(args.problem, args.format)
    published = Plan.from_json(Path(args.plan))
    changes = parse_json(read_text(Path(args.changes), "changes file"), args.changes) if args.changes else None
    result = replan(problem, published, changes, freeze_until=args.freeze_until,
                    time_limit=args.time_limit, workers=args.workers, seed=args.seed,
                    deterministic=args.deterministic)
    plan = result.plan
    # the re-plan is checked against the changed problem, the published plan and the freeze
    check_with = f" --published {args.plan} --freeze-until {result.freeze_until:%Y-%m-%dT%H:%M}"
    if plan.result.stop_reason == "interrupted":
        return interrupted(args, problem.name, plan, result.problem, check_with)
    if plan.result.status in ("infeasible", "unknown"):
        print(f"no re-plan for {problem.name}: {plan.result.status}", file=sys.stderr)
        return EXIT_NO_PLAN
    write_plan(args, plan, result.problem)
    print(result.summary())
    if args.out:
        print(f"check it with: dutyplan check {beside(Path(args.out), '.problem.json')} {args.out}{check_with}")
    report = check(result.problem, plan, published=published, freeze_until=result.freeze_until)
    return checked_plan_out(args, plan, report, "independent check (frozen past, changes)")


def staffing_command(args: argparse.Namespace) -> int:
    from dutyplan.io.files import parse_json, read_text
    from dutyplan.staffing import staffing

    if args.out:
        writable_file(args.out, "--out")
    problem = load_input(args.problem, args.format)
    pool = parse_json(read_text(Path(args.pool), "pool file"), args.pool) if args.pool else None
    if pool is not None and not isinstance(pool, list):
        raise DutyplanError(f"{args.pool}: a pool is a JSON list of people")
    answer = staffing(problem, pool=pool, per_site=args.per_site, time_limit=args.time_limit,
                      workers=args.workers, seed=args.seed, deterministic=args.deterministic)
    print(answer.summary())
    if args.out and answer.plan is not None:
        answer.plan.to_json(args.out)
        print(f"plan with the extra people written to {args.out}")
        if answer.problem is not None:
            problem_path = beside(Path(args.out), ".problem.json")
            save_problem(answer.problem, problem_path)
            print(f"the problem with the extra people written to {problem_path}")
    return EXIT_OK if answer.possible and answer.minimum is not None else EXIT_NO_PLAN


def explain_command(args: argparse.Namespace) -> int:
    from dutyplan.uncovered import explain_uncovered, explanation_text

    if args.plan is None:  # no plan: why the hard rules admit none
        from dutyplan.infeasible import explain

        problem = load_input(args.problem, args.format)
        answer = explain(problem, time_limit=args.time_limit, deterministic=args.deterministic)
        print(answer.model_dump_json(indent=2) if args.json else answer.summary())
        return EXIT_OK if answer.feasible or answer.parts else EXIT_NO_PLAN
    problem, plan = plan_and_problem(args)
    if args.households:  # caseloads: who could answer for each household with nobody, and why not
        from dutyplan.uncovered import explain_unwatched, unwatched_text

        found = explain_unwatched(problem, plan)
        if args.json:
            print(json.dumps([e.model_dump(mode="json") for e in found], indent=2, ensure_ascii=False))
        else:
            print(unwatched_text(found, max_people=args.max_people) if found else "every household has someone")
        return EXIT_OK
    people = args.people.split(",") if args.people else None
    explanations = explain_uncovered(problem, plan, people=people, limit=args.limit,
                                     time_limit=args.time_limit)
    if args.json:
        print(json.dumps([e.model_dump(mode="json") for e in explanations], indent=2, ensure_ascii=False))
    elif not explanations and not plan.uncovered:
        print("nothing is uncovered")
    else:
        print(explanation_text(explanations, max_people=args.max_people))
    if plan.unwatched and not args.json:  # households nobody answers for, and why
        from dutyplan.uncovered import explain_unwatched, unwatched_text

        print(unwatched_text(explain_unwatched(problem, plan), max_people=args.max_people))
        print("(--households --json for these as JSON)")
    wanted = len(plan.uncovered) if args.limit is None else min(args.limit, len(plan.uncovered))
    if len(explanations) < wanted:
        print(f"explained {len(explanations)} of {wanted} uncovered gate-shifts within "
              f"{args.time_limit:g}s (--time-limit for more, --limit N for the first N)", file=sys.stderr)
    return EXIT_OK


def export_command(args: argparse.Namespace) -> int:
    from dutyplan.export import export

    out = Path(args.out)
    if args.format in ("xlsx", "html") and out.suffix.lower() == f".{args.format}":
        writable_file(out, "--out")
    else:
        writable_directory(out, "--out")
    problem, plan = plan_and_problem(args)
    for path in export(problem, plan, args.format, Path(args.out)):
        print(path)
    return EXIT_OK


PLOT_KINDS = ("map", "gantt", "coverage", "convergence")


def plot_command(args: argparse.Namespace) -> int:
    try:
        import matplotlib
    except ImportError:
        raise DutyplanError("plots need matplotlib: pip install 'dutyplan[plots]'") from None
    matplotlib.use("Agg")  # files only, no window
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from dutyplan import plots

    kinds = FigureCanvasAgg.get_supported_filetypes()
    writable_file(args.out, "--out", tuple(f".{kind}" for kind in sorted(kinds)))
    problem, plan = plan_and_problem(args)
    if args.kind == "map":
        figure = plots.plot_map(problem, plan, font=args.font)
    elif args.kind == "gantt":
        figure = plots.plot_gantt(problem, plan, site=args.site, font=args.font, page=args.page - 1)
    elif args.kind == "coverage":
        figure = plots.plot_coverage(problem, plan, font=args.font)
    else:
        figure = plots.plot_convergence(plan, font=args.font)
    out = Path(args.out)
    figure.savefig(out, dpi=args.dpi)
    print(out)
    return EXIT_OK


def schema_command(args: argparse.Namespace) -> int:
    from dutyplan.problem import Problem

    print(json.dumps(Problem.model_json_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK


def example_command(args: argparse.Namespace) -> int:
    from dutyplan.examples import EXAMPLES, example_path

    if args.name is None:
        print("\n".join(EXAMPLES))
        return EXIT_OK
    if args.name not in EXAMPLES:
        print(f"unknown example {args.name!r}; known: {', '.join(EXAMPLES)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    sys.stdout.write(example_path(args.name).read_text(encoding="utf-8"))
    return EXIT_OK
