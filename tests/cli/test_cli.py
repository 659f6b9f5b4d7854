"""The ``dutyplan`` command, in-process (``cli.main``) and once as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dutyplan import __version__
from dutyplan.cli import main
from dutyplan.io import load_problem, problem_from_text
from dutyplan.plan import Plan
from dutyplan.problem import Problem

RESULT_FIELDS = ("status", "objective", "best_bound", "gap", "build_seconds", "solve_seconds")


def tiny(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "cli",
        "horizon": {"start": "2024-01-01", "days": 3},
        "shift_types": [{"id": "D", "start": "08:00", "minutes": 480}],
        "sites": [{"id": "S1", "name": "上庄村", "gates": [{"id": "G1", "demand": {"D": 1}}]}],
        "people": [
            {"id": "a", "name": "王建国", "unavailable": ["2024-01-02"]},
            {"id": "b", "name": "李卫东"},
        ],
        "objective": {"fairness_nights": 0, "fairness_weekends": 0, "fairness_minutes": 0},
    }
    data.update(changes)
    return data


@pytest.fixture
def problem_file(tmp_path: Path) -> Path:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(tiny(), ensure_ascii=False), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def solved(capsys: pytest.CaptureFixture[str], problem_file: Path, tmp_path: Path) -> Path:
    plan_path = tmp_path / "plan.json"
    code, out, err = run(
        capsys, "solve", str(problem_file), "--time-limit", "2", "--workers", "1",
        "--out", str(plan_path),
    )
    assert code == 0, err
    return plan_path


def test_solve_writes_a_plan(
    capsys: pytest.CaptureFixture[str], problem_file: Path, tmp_path: Path
) -> None:
    plan_path = tmp_path / "plan.json"
    code, out, err = run(
        capsys, "solve", str(problem_file), "--time-limit", "2", "--workers", "1",
        "--out", str(plan_path),
    )
    assert code == 0, err
    assert "independent check: passes" in out
    assert f"plan written to {plan_path}" in out
    assert "上庄村" in out
    data = json.loads(plan_path.read_text(encoding="utf-8"))
    result = data["result"]
    for field in RESULT_FIELDS:
        assert field in result, field
    assert result["status"] == "optimal"
    assert result["objective"] == result["best_bound"] == 0
    assert result["gap"] == 0
    assert result["build_seconds"] >= 0 and result["solve_seconds"] >= 0
    plan = Plan.from_json(plan_path)
    assert len(plan.assignments) == 3
    assert not any(a.person == "a" and str(a.date) == "2024-01-02" for a in plan.assignments)


def test_solve_quiet(capsys: pytest.CaptureFixture[str], problem_file: Path) -> None:
    args = ["solve", str(problem_file), "--time-limit", "2", "--workers", "1", "--quiet"]
    code, out, _ = run(capsys, *args)
    assert code == 0
    assert out.strip().startswith("independent check: passes")


def test_check_passes_then_fails_after_tampering(
    capsys: pytest.CaptureFixture[str], problem_file: Path, tmp_path: Path
) -> None:
    plan_path = solved(capsys, problem_file, tmp_path)
    code, out, _ = run(capsys, "check", str(problem_file), str(plan_path))
    assert code == 0
    assert "OK, no hard rule broken" in out

    data = json.loads(plan_path.read_text(encoding="utf-8"))
    # 1. the same duty twice
    duplicated = json.loads(json.dumps(data))
    duplicated["assignments"].append(duplicated["assignments"][0])
    bad = tmp_path / "duplicate.json"
    bad.write_text(json.dumps(duplicated), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(problem_file), str(bad))
    assert code == 1
    assert "duplicate" in out

    # 2. a posted on the date they are away (the duty of 2 Jan moved to a)
    moved = json.loads(json.dumps(data))
    for item in moved["assignments"]:
        if item["date"] == "2024-01-02":
            item["person"] = "a"
    bad = tmp_path / "unavailable.json"
    bad.write_text(json.dumps(moved), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(problem_file), str(bad))
    assert code == 1
    assert "unavailable" in out

    # 3. a wrong objective breaks no rule, but is a false claim: exit 1, naming it and both
    # values; --rules-only keeps the hard-rule verdict alone
    wrong = json.loads(json.dumps(data))
    true_objective = wrong["result"]["objective"]
    wrong["result"]["objective"] = 12345
    bad = tmp_path / "objective.json"
    bad.write_text(json.dumps(wrong), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(problem_file), str(bad))
    assert code == 1
    assert "DOES NOT MATCH" in out
    assert f"result.objective: the plan says 12345, the checker finds {true_objective}" in out
    code, out, _ = run(capsys, "check", str(problem_file), str(bad), "--rules-only")
    assert code == 0
    assert "OK, no hard rule broken" in out


def test_check_with_a_broken_plan_file(
    capsys: pytest.CaptureFixture[str], problem_file: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text('{"problem": "cli", "assignments": [}', encoding="utf-8")
    code, _, err = run(capsys, "check", str(problem_file), str(bad))
    assert code == 2
    assert "invalid plan" in err
    code, _, err = run(capsys, "check", str(problem_file), str(tmp_path / "missing.json"))
    assert code == 2
    assert "cannot read plan file" in err


def test_bad_problem_file_exits_2_naming_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tiny()
    data["shift_types"][0]["minutes"] = 1500
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run(capsys, "solve", str(path), "--time-limit", "1")
    assert code == 2
    assert out == ""
    assert err.startswith("dutyplan: ")
    assert "shift_types.0.minutes" in err and "1500" in err
    assert "Traceback" not in err

    code, _, err = run(capsys, "solve", str(tmp_path / "nowhere.json"))
    assert code == 2 and "not found" in err

    malformed = tmp_path / "bad.toml"
    malformed.write_text("[horizon\n", encoding="utf-8")
    code, _, err = run(capsys, "check", str(malformed), str(path))
    assert code == 2 and "malformed TOML" in err


def test_infeasible_problem_exits_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # nobody can work 100 hours in three 8-hour days
    path = tmp_path / "infeasible.json"
    path.write_text(json.dumps(tiny(rules={"min_minutes": 6000})), encoding="utf-8")
    plan_path = tmp_path / "plan.json"
    code, out, err = run(
        capsys, "solve", str(path), "--time-limit", "2", "--workers", "1", "--out", str(plan_path)
    )
    assert code == 3
    assert "no plan for cli" in err and "cannot all hold" in err
    plan = Plan.from_json(plan_path)
    assert plan.result.status == "infeasible" and plan.assignments == []


def test_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    assert "properties" in schema
    assert {"horizon", "sites", "people", "rules"} <= set(schema["properties"])


def test_example_list_and_print(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "example")
    assert code == 0
    assert out.split() == ["shangzhuang", "yuncheng", "yanji"]
    code, out, _ = run(capsys, "example", "shangzhuang")
    assert code == 0
    problem = problem_from_text(out, "json")
    assert isinstance(problem, Problem) and problem.name == "shangzhuang"
    assert "上庄村" in out
    code, _, err = run(capsys, "example", "nowhere")
    assert code == 2 and "unknown example" in err


def test_solve_example_prints_chinese_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "solve", "shangzhuang", "--time-limit", "3", "--workers", "2")
    assert code == 0, err
    assert "上庄村" in out
    assert "independent check: passes" in out


def test_solve_stops_when_no_better_plan_comes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "solve", "shangzhuang", "--time-limit", "60", "--workers", "2",
                         "--no-improvement", "0.5")
    assert code == 0, err
    assert "no better plan for the seconds asked" in out or "every level proven optimal" in out
    assert "independent check: passes" in out
    code, out, err = run(capsys, "solve", "shangzhuang", "--time-limit", "5", "--no-improvement", "1",
                         "--deterministic")
    assert code == 2 and "no_improvement" in err and "deterministic" in err


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str], problem_file: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["solve"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
    # solve rejects a time limit of 0 as bad input, naming the argument
    with pytest.raises(SystemExit) as info:
        main(["solve", str(problem_file), "--time-limit", "0"])
    assert info.value.code == 2
    assert "--time-limit" in capsys.readouterr().err


def test_subprocess_solve_and_check(problem_file: Path, tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.json"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "dutyplan.cli", "solve", str(problem_file), "--time-limit", "2",
         "--workers", "1", "--out", str(plan_path)],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "上庄村" in done.stdout
    assert json.loads(plan_path.read_text(encoding="utf-8"))["result"]["status"] == "optimal"
    done = subprocess.run(
        [sys.executable, "-m", "dutyplan.cli", "check", str(problem_file), str(plan_path)],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert load_problem(problem_file).name == "cli"


# --------------------------------------------------------------------------- export and plot


@pytest.fixture(scope="module")
def solved_plan_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "plan.json"
    assert main(["solve", "shangzhuang", "--time-limit", "3", "--workers", "1", "--deterministic",
                 "--out", str(out), "--quiet"]) == 0
    return out


@pytest.mark.parametrize("fmt, pattern", [("xlsx", "*.xlsx"), ("csv", "*.csv"), ("ics", "*.ics"), ("html", "*.html"),
                                          ("all", "*.*")])
def test_export_writes_files(solved_plan_file, tmp_path, capsys, fmt, pattern):
    pytest.importorskip("pandas")
    pytest.importorskip("openpyxl")
    pytest.importorskip("icalendar")
    code = main(["export", str(solved_plan_file), "--problem", "shangzhuang", "--format", fmt,
                 "--out", str(tmp_path / fmt)])
    assert code == 0
    written = list((tmp_path / fmt).rglob(pattern))
    assert written
    printed = capsys.readouterr().out.split()
    assert sorted(printed) == sorted(str(p) for p in written)


@pytest.mark.parametrize("kind", ["map", "gantt", "coverage", "convergence"])
def test_plot_writes_a_png(solved_plan_file, tmp_path, kind):
    pytest.importorskip("matplotlib")
    out = tmp_path / f"{kind}.png"
    assert main(["plot", str(solved_plan_file), "--problem", "shangzhuang", "--kind", kind, "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_export_refuses_a_plan_of_another_problem(solved_plan_file, tmp_path, capsys):
    code = main(["export", str(solved_plan_file), "--problem", "yuncheng", "--format", "csv", "--out", str(tmp_path)])
    assert code == 2
    assert "does not fit problem" in capsys.readouterr().err


def test_version_and_synth_help_speak_as_dutyplan(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"dutyplan {__version__}"
    for argv, usage in ((["synth", "--help"], "usage: dutyplan synth "),
                        (["synth", "city", "--help"], "usage: dutyplan synth city ")):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 0
        assert capsys.readouterr().out.startswith(usage)


def test_synth_does_not_dump_a_problem_on_a_terminal(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["synth", "--people", "20", "--sites", "2", "--gates", "3", "--days", "7"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "--out" in err


def test_an_unknown_site_is_answered_with_the_valid_ids(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    assert main(["solve", "shangzhuang", "--time-limit", "2", "--workers", "1", "--out", str(plan)]) == 0
    capsys.readouterr()
    for site, wanted in (("上庄村", "that is the name of site 'shangzhuang'"),
                         ("shangzuang", "(known, closest first: shangzhuang, ")):
        code = main(["plot", str(plan), "--problem", "shangzhuang", "--kind", "gantt", "--site", site,
                     "--out", str(tmp_path / "g.png")])
        assert code == 2
        assert wanted in capsys.readouterr().err


def test_log_prints_cp_sat_once_to_stderr() -> None:
    done = subprocess.run([sys.executable, "-m", "dutyplan.cli", "solve", "shangzhuang", "--time-limit", "2",
                           "--workers", "1", "--log"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Starting CP-SAT" not in done.stdout  # CP-SAT's own stdout copy is off
    assert "cp-sat: Starting CP-SAT" in done.stderr
