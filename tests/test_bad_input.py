"""Bad input, as a hostile user or an unlucky operator gives it: exit 2, no traceback, and a
message that names the field (or argument) and the value.

Every family of the problem schema has a case, then the command line's arguments and paths,
the files next to a problem (plan, changes, pool) and the other formats. Each case runs the
command in this process (``cli.main``); a few also run as a real process.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dutyplan.cli import main

Doc = dict[str, Any]


def base() -> Doc:
    return {
        "name": "bad input",
        "horizon": {"start": "2024-01-01", "days": 7},
        "shift_types": [
            {"id": "D", "start": "08:00", "minutes": 480},
            {"id": "N", "start": "22:00", "minutes": 600},
        ],
        "sites": [{"id": "S1", "name": "上庄村", "location": {"lat": 40.1, "lon": 116.2},
                   "gates": [{"id": "G1", "demand": {"D": 1, "N": 1}, "priority": 2}]}],
        "people": [
            {"id": "a", "name": "王建国", "unit": "u", "roles": ["cadre"], "home": {"lat": 40.0, "lon": 116.3}},
            {"id": "b", "name": "李卫东", "home": {"lat": 40.2, "lon": 116.1},
             "preferences": [{"kind": "shift", "shift": "N", "want": False, "weight": 3}]},
        ],
        "rules": {"min_rest_hours": 10, "max_consecutive_days": 5},
    }


def at(path: str, value: Any) -> Callable[[Doc], None]:
    """Set the field at a dotted path (list indexes as numbers; a missing last key is added)."""

    def change(doc: Doc) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        node[int(last) if isinstance(node, list) else last] = value

    return change


# name: (change to the problem document, words the message must contain)
PROBLEMS: dict[str, tuple[Callable[[Doc], None], list[str]]] = {
    # horizon
    "horizon of 0 days": (at("horizon.days", 0), ["horizon.days", "0"]),
    "horizon of 4000 days": (at("horizon.days", 4000), ["horizon.days", "4000"]),
    "horizon of 1e9 days": (at("horizon.days", 10**9), ["horizon.days", "1000000000"]),
    "horizon days as text": (at("horizon.days", "many"), ["horizon.days", "many"]),
    "horizon start not a date": (at("horizon.start", "2024-13-45"), ["horizon.start", "2024-13-45"]),
    "unknown time zone": (at("horizon.timezone", "Mars/Olympus"), ["horizon.timezone", "Mars/Olympus"]),
    # shift types
    "shift of 0 minutes": (at("shift_types.0.minutes", 0), ["shift_types.0.minutes", "0"]),
    "shift of 2000 minutes": (at("shift_types.0.minutes", 2000), ["shift_types.0.minutes", "2000"]),
    "shift at 24:00": (at("shift_types.0.start", "24:00"), ["shift_types.0.start", "24:00"]),
    "shift id empty": (at("shift_types.0.id", ""), ["shift_types.0.id"]),
    "shift id with NUL": (at("shift_types.0.id", "D\x00"), ["shift_types.0.id", "U+0000"]),
    "shift name with escape": (at("shift_types.0.name", "\x1b[2Jday"), ["shift_types.0.name", "U+001B"]),
    # gates and demand
    "need below 0": (at("sites.0.gates.0.demand.D", -1), ["sites.0.gates.0.demand.D.need", "-1"]),
    "need of 20000": (at("sites.0.gates.0.demand.D", 20000), ["sites.0.gates.0.demand.D.need", "20000"]),
    "need true": (at("sites.0.gates.0.demand.D", True), ["sites.0.gates.0.demand.D", "True"]),
    "under weight 1e19": (at("sites.0.gates.0.demand.D", {"need": 1, "under_weight": 10**19}),
                          ["sites.0.gates.0.demand.D.under_weight", "10000000000000000000"]),
    "over weight 1e19": (at("sites.0.gates.0.over_cover_weight", 10**19),
                         ["sites.0.gates.0.over_cover_weight", "10000000000000000000"]),
    "over weight 1e18": (at("sites.0.gates.0.demand.D", {"need": 1, "over_weight": 10**18}),
                         ["sites.0.gates.0.demand.D.over_weight", "1000000000000000000"]),
    "priority 0": (at("sites.0.gates.0.priority", 0), ["sites.0.gates.0.priority", "0"]),
    "priority 1e7": (at("sites.0.gates.0.priority", 10**7), ["sites.0.gates.0.priority", "10000000"]),
    "gate demand for an unknown shift": (at("sites.0.gates.0.demand.X", 1), ["sites[0].gates[0].demand", "'X'"]),
    "gate role with a tab": (at("sites.0.gates.0.role", "health\tcare"), ["sites.0.gates.0.role", "U+0009"]),
    "gate name with bidi override": (at("sites.0.gates.0.name", "gate\u202eetag"),
                                     ["sites.0.gates.0.name", "U+202E"]),
    "site latitude 91": (at("sites.0.location.lat", 91), ["sites.0.location.lat", "91"]),
    "site longitude NaN": (at("sites.0.location.lon", float("nan")), ["sites.0.location.lon", "nan"]),
    "site without gates": (at("sites.0.gates", []), ["sites.0.gates"]),
    "duplicate site id": (lambda d: d["sites"].append(copy.deepcopy(d["sites"][0])), ["duplicate site id", "'S1'"]),
    # people
    "duplicate person id": (at("people.1.id", "a"), ["duplicate person id", "'a'"]),
    "person name with escape": (at("people.0.name", "\x1b]0;pwned\x07"), ["people.0.name", "U+001B"]),
    "person id with NUL": (at("people.0.id", "a\x00b"), ["people.0.id", "U+0000"]),
    "unit with newline": (at("people.0.unit", "unit\nB"), ["people.0.unit", "U+000A"]),
    "role with DEL": (at("people.0.roles", ["cadre\x7f"]), ["people.0.roles.0", "U+007F"]),
    "home latitude -100": (at("people.0.home.lat", -100), ["people.0.home.lat", "-100"]),
    "home longitude infinite": (at("people.0.home.lon", float("inf")), ["people.0.home.lon", "inf"]),
    "unavailable outside the horizon": (at("people.0.unavailable", ["2025-01-01"]),
                                        ["people[0].unavailable[0]", "2025-01-01"]),
    "unavailable unknown shift": (at("people.0.unavailable", [{"date": "2024-01-02", "shift": "Z"}]),
                                  ["people[0].unavailable[0]", "'Z'"]),
    "preference weight 0": (at("people.1.preferences.0.weight", 0), ["people.1.preferences.0.weight", "0"]),
    "preference weight 1e10": (at("people.1.preferences.0.weight", 10**10),
                               ["people.1.preferences.0.weight", "10000000000"]),
    "preference of an unknown site": (at("people.1.preferences", [{"kind": "site", "site": "nowhere"}]),
                                      ["people[1].preferences[0]", "'nowhere'"]),
    "history after the horizon start": (at("people.0.history", [{"date": "2024-01-03", "shift": "D"}]),
                                        ["people[0].history[0]", "2024-01-03"]),
    "person rule with a team rule": (at("people.0.rules", {"unit_sites_weight": 5}),
                                     ["people.0.rules", "unit_sites_weight"]),
    # rules
    "rule limit below 0": (at("rules.max_consecutive_days", -1), ["rules.max_consecutive_days.value", "-1"]),
    "rule limit 1e10": (at("rules.max_consecutive_days", 10**10), ["rules.max_consecutive_days.value", "10000000000"]),
    "rule weight 0": (at("rules.min_rest_hours", {"value": 10, "weight": 0}), ["rules.min_rest_hours.weight", "0"]),
    "rule weight 1e18": (at("rules.min_rest_hours", {"value": 10, "weight": 10**18}),
                         ["rules.min_rest_hours.weight", "1000000000000000000"]),
    "rule limit as text": (at("rules.min_rest_hours", "ten"), ["rules.min_rest_hours", "ten"]),
    "rule weight true": (at("rules.min_rest_hours", {"value": 10, "weight": True}),
                         ["rules.min_rest_hours.weight", "True"]),
    "preference weight as text": (at("people.1.preferences.0.weight", "30"), ["people.1.preferences.0.weight", "'30'"]),
    "rule limit true": (at("rules.max_consecutive_days", True), ["rules.max_consecutive_days", "True"]),
    "succession of an unknown shift": (at("rules.forbidden_successions", [{"first": "D", "then": "X"}]),
                                       ["rules.forbidden_successions[0]", "'X'"]),
    "max shifts of an unknown shift": (at("rules.max_shifts", {"X": 3}), ["rules.max_shifts", "'X'"]),
    "role count 0": (at("rules.roles", [{"role": "cadre", "count": 0}]), ["rules.roles.0.count", "0"]),
    "role of an unknown site": (at("rules.roles", [{"role": "cadre", "sites": ["S9"]}]),
                                ["rules.roles[0].sites", "'S9'"]),
    "unit sites weight 0": (at("rules.unit_sites_weight", 0), ["rules.unit_sites_weight", "0"]),
    "unknown rule": (at("rules.max_fun", 3), ["rules.max_fun"]),
    # commute
    "commute rows missing": (at("commute_km", [[1]]), ["commute_km", "2 rows"]),
    "commute 1e300 km": (at("commute_km", [[1e300], [3]]), ["commute_km[0][0]", "1e+300"]),
    "commute below 0": (at("commute_km", [[-4], [3]]), ["commute_km[0][0]", "-4"]),
    "commute infinite": (at("commute_km", [[float("inf")], [3]]), ["commute_km.0.0", "inf"]),
    "commute minutes 1e300": (at("commute_minutes", [[1e300], [3]]), ["commute_minutes[0][0]", "1e+300"]),
    "speed infinite": (at("commute_speed_kmh", float("inf")), ["commute_speed_kmh", "inf"]),
    "speed 0": (at("commute_speed_kmh", 0), ["commute_speed_kmh", "0"]),
    "speed 1e9": (at("commute_speed_kmh", 1e9), ["commute_speed_kmh", "1000000000"]),
    "unknown weekend day": (at("weekend", ["funday"]), ["weekend.0", "funday"]),
    # objective
    "level weight below 0": (at("objective.weights", {"cover": -1}), ["objective.weights.cover", "-1"]),
    "level weight 1e19": (at("objective.weights", {"cover": 10**19}), ["objective.weights.cover", "10000000000000000000"]),
    "fairness weight 1e19": (at("objective.fairness_minutes", 10**19),
                             ["objective.fairness_minutes", "10000000000000000000"]),
    "unknown objective mode": (at("objective.mode", "random"), ["objective.mode", "random"]),
    # the worst case of the objective beyond what CP-SAT holds exactly
    "objective could overflow": (
        lambda d: (d["horizon"].update(days=3660),
                   d["rules"].update(min_rest_hours={"value": 10, "weight": 10**9})),
        ["rules.min_rest_hours.weight", "1000000000", "CP-SAT"],
    ),
    "unknown top-level field": (at("solver", "fast"), ["solver"]),
}


def write(tmp_path: Path, doc: Any, name: str = "problem.json") -> Path:
    path = tmp_path / name
    # NaN and infinity as JSON writes them (NaN, Infinity): accepted by the parser, refused
    # by the problem
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Exit code and everything printed; argparse's own refusals (SystemExit) included."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out + err


def assert_bad_input(code: int, printed: str, words: list[str]) -> None:
    assert code == 2, printed
    assert "Traceback" not in printed, printed
    for word in words:
        assert word in printed, (word, printed)


@pytest.mark.parametrize("case", sorted(PROBLEMS))
def test_bad_problem_file(case: str, tmp_path: Path, capsys) -> None:
    change, words = PROBLEMS[case]
    doc = base()
    change(doc)
    path = write(tmp_path, doc)
    code, printed = run(capsys, "solve", str(path), "--time-limit", "1", "--quiet")
    assert_bad_input(code, printed, words)


def test_the_base_problem_is_good(tmp_path: Path, capsys) -> None:
    """Every case above fails because of its change alone."""
    code, printed = run(capsys, "solve", str(write(tmp_path, base())), "--time-limit", "1", "--workers", "1")
    assert code == 0, printed


# --------------------------------------------------------------------------- the files themselves

FILES: dict[str, tuple[str, list[str]]] = {
    "malformed JSON": ('{"name": "x", ', ["problem.json", "malformed JSON", "line 1"]),
    "JSON nested 100,000 deep": ('{"name": ' + "[" * 100_000 + "]" * 100_000 + "}", ["problem.json", "nested"]),
    "JSON nested 990 deep": ('{"name": ' + "[" * 990 + "]" * 990 + "}", ["problem.json", "nested"]),
    "JSON not an object": ("[1, 2]", ["problem.json", "object"]),
    "JSON number of 5000 digits": ('{"name": ' + "9" * 5000 + "}", ["problem.json", "malformed JSON"]),
    "not UTF-8": ("\udcff", ["problem.json"]),
}


@pytest.mark.parametrize("case", sorted(FILES))
def test_bad_problem_text(case: str, tmp_path: Path, capsys) -> None:
    text, words = FILES[case]
    path = tmp_path / "problem.json"
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    code, printed = run(capsys, "solve", str(path), "--time-limit", "1")
    assert_bad_input(code, printed, words)


@pytest.mark.parametrize("text, words", [
    ("name = ", ["problem.toml", "malformed TOML"]),
    ("a = " + "[" * 10_000 + "]" * 10_000, ["problem.toml", "nested too deeply"]),
    ("a = " + "[" * 70 + "]" * 70, ["problem.toml", "nested more than 64"]),
])
def test_bad_toml(text: str, words: list[str], tmp_path: Path, capsys) -> None:
    path = tmp_path / "problem.toml"
    path.write_text(text, encoding="utf-8")
    code, printed = run(capsys, "solve", str(path), "--time-limit", "1")
    assert_bad_input(code, printed, words)


def test_missing_problem_file(tmp_path: Path, capsys) -> None:
    code, printed = run(capsys, "solve", str(tmp_path / "nowhere.json"))
    assert_bad_input(code, printed, ["nowhere.json", "not found"])


# --------------------------------------------------------------------------- arguments

ARGUMENTS: dict[str, tuple[list[str], list[str]]] = {
    "time limit infinite": (["--time-limit", "inf"], ["--time-limit", "inf"]),
    "time limit NaN": (["--time-limit", "nan"], ["--time-limit", "nan"]),
    "time limit below 0": (["--time-limit", "-3"], ["--time-limit", "-3"]),
    "time limit 0": (["--time-limit", "0"], ["--time-limit", "0"]),
    "time limit of a year": (["--time-limit", "31536000"], ["--time-limit", "31536000"]),
    "time limit as text": (["--time-limit", "soon"], ["--time-limit", "soon"]),
    "seed 1e20": (["--seed", "1e20"], ["--seed", "1e20"]),
    "seed 2**31": (["--seed", str(2**31)], ["--seed", str(2**31)]),
    "seed below 0": (["--seed", "-1"], ["--seed", "-1"]),
    "workers 0": (["--workers", "0"], ["--workers", "0"]),
    "workers 100000": (["--workers", "100000"], ["--workers", "100000"]),
    "rows below 0": (["--rows", "-1"], ["--rows", "-1"]),
    "unknown strategy": (["--strategy", "guess"], ["--strategy", "guess"]),
}


@pytest.mark.parametrize("case", sorted(ARGUMENTS))
def test_bad_solve_argument(case: str, tmp_path: Path, capsys) -> None:
    extra, words = ARGUMENTS[case]
    code, printed = run(capsys, "solve", str(write(tmp_path, base())), *extra)
    assert_bad_input(code, printed, words)


def test_solver_arguments_in_python() -> None:
    """The library refuses the same values, naming them."""
    import dutyplan
    from dutyplan.errors import DutyplanError

    problem = dutyplan.load_example("shangzhuang")
    for kwargs, word in (({"time_limit": float("inf")}, "time_limit"), ({"time_limit": 0}, "time_limit"),
                         ({"seed": 10**20}, "seed"), ({"workers": 0}, "workers"),
                         ({"seed": 1.5}, "seed"), ({"time_limit": "10"}, "time_limit")):
        with pytest.raises(DutyplanError, match=word):
            dutyplan.solve(problem, **kwargs)


# --------------------------------------------------------------------------- paths, before any work


@pytest.fixture
def plan_file(tmp_path: Path, capsys) -> Path:
    path = tmp_path / "plan.json"
    code, printed = run(capsys, "solve", str(write(tmp_path, base())), "--time-limit", "2",
                        "--workers", "1", "--quiet", "--out", str(path))
    assert code == 0, printed
    return path


def test_out_is_a_directory(tmp_path: Path, capsys) -> None:
    code, printed = run(capsys, "solve", str(write(tmp_path, base())), "--out", str(tmp_path))
    assert_bad_input(code, printed, ["--out", "is a directory"])


def test_out_below_a_file(tmp_path: Path, capsys) -> None:
    """The plan would be written under a path that is a file: refused before solving (the
    limit of 600 s would otherwise run first)."""
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    code, printed = run(capsys, "solve", str(write(tmp_path, base())), "--time-limit", "600",
                        "--out", str(blocker / "plan.json"))
    assert_bad_input(code, printed, ["--out", "blocker"])


def test_out_not_writable(tmp_path: Path, capsys) -> None:
    if sys.platform.startswith("win") or __import__("os").geteuid() == 0:
        target = Path("/proc/dutyplan/plan.json")  # no one may write there, root included
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "plan.json"
    code, printed = run(capsys, "solve", str(write(tmp_path, base())), "--time-limit", "600",
                        "--out", str(target))
    assert_bad_input(code, printed, ["--out", str(target), "cannot be written"])
    assert not (tmp_path / "locked" / "plan.json").exists()


def test_checkpoint_is_a_file(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "checkpoint"
    blocker.write_text("x")
    code, printed = run(capsys, "solve", str(write(tmp_path, base())), "--checkpoint", str(blocker))
    assert_bad_input(code, printed, ["--checkpoint", "is a file"])


@pytest.mark.parametrize("fmt", ["csv", "ics"])
def test_export_into_a_file(fmt: str, plan_file: Path, tmp_path: Path, capsys) -> None:
    problem = write(tmp_path, base(), "p2.json")
    code, printed = run(capsys, "export", str(plan_file), "--problem", str(problem),
                        "--format", fmt, "--out", str(plan_file))
    assert_bad_input(code, printed, ["--out", "is a file"])


def test_export_below_a_file(plan_file: Path, tmp_path: Path, capsys) -> None:
    problem = write(tmp_path, base(), "p2.json")
    code, printed = run(capsys, "export", str(plan_file), "--problem", str(problem),
                        "--format", "xlsx", "--out", str(plan_file / "roster.xlsx"))
    assert_bad_input(code, printed, ["--out", "plan.json"])


@pytest.mark.parametrize("extra, words", [
    (["--out", "picture.xyz"], ["--out", ".xyz", ".png"]),
    (["--out", "p.png", "--dpi", "0"], ["--dpi", "0"]),
    (["--out", "p.png", "--dpi", "100000"], ["--dpi", "100000"]),
])
def test_bad_plot_arguments(extra: list[str], words: list[str], plan_file: Path, tmp_path: Path,
                            capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    problem = write(tmp_path, base(), "p2.json")
    code, printed = run(capsys, "plot", str(plan_file), "--problem", str(problem), *extra)
    assert_bad_input(code, printed, words)


@pytest.mark.parametrize("per_site", ["100000000", "-3", "0"])
def test_bad_per_site(per_site: str, tmp_path: Path, capsys) -> None:
    code, printed = run(capsys, "staffing", str(write(tmp_path, base())), "--per-site", per_site)
    assert_bad_input(code, printed, ["--per-site", per_site])


def test_per_site_in_python() -> None:
    import dutyplan
    from dutyplan.errors import DutyplanError

    problem = dutyplan.load_example("shangzhuang")
    with pytest.raises(DutyplanError, match="per_site"):
        dutyplan.staffing(problem, per_site=100_000_000)
    with pytest.raises(DutyplanError, match="per_site"):
        dutyplan.staffing(problem, per_site=-3)


# --------------------------------------------------------------------------- files beside a problem


@pytest.mark.parametrize("text, words", [
    ("[" * 100_000 + "]" * 100_000, ["changes.json", "nested"]),
    ("{", ["changes.json", "malformed JSON"]),
    ('{"away": [{"person": "zz", "start": "2024-01-02"}]}', ["away", "'zz'"]),
    ('{"demand": [{"site": "S1", "gate": "G1", "shift": "D", "need": 100000}]}', ["need", "100000"]),
])
def test_bad_changes(text: str, words: list[str], plan_file: Path, tmp_path: Path, capsys) -> None:
    changes = tmp_path / "changes.json"
    changes.write_text(text, encoding="utf-8")
    problem = write(tmp_path, base(), "p2.json")
    code, printed = run(capsys, "replan", str(problem), str(plan_file), "--changes", str(changes),
                        "--time-limit", "1")
    assert_bad_input(code, printed, words)


def test_bad_freeze_until(plan_file: Path, tmp_path: Path, capsys) -> None:
    problem = write(tmp_path, base(), "p2.json")
    code, printed = run(capsys, "check", str(problem), str(plan_file), "--published", str(plan_file),
                        "--freeze-until", "tomorrow")
    assert_bad_input(code, printed, ["--freeze-until", "tomorrow"])


@pytest.mark.parametrize("text, words", [
    ("[" * 100_000 + "]" * 100_000, ["pool.json", "nested"]),
    ('{"id": "x"}', ["pool.json", "list"]),
])
def test_bad_pool(text: str, words: list[str], tmp_path: Path, capsys) -> None:
    pool = tmp_path / "pool.json"
    pool.write_text(text, encoding="utf-8")
    code, printed = run(capsys, "staffing", str(write(tmp_path, base())), "--pool", str(pool),
                        "--time-limit", "1")
    assert_bad_input(code, printed, words)


@pytest.mark.parametrize("text, words", [
    ("{", ["invalid plan", "JSON"]),
    ('{"problem": ' + "[" * 10_000 + "]" * 10_000 + "}", ["invalid plan", "recursion"]),
    ('{"problem": "x", "result": {"status": "great"}}', ["result.status", "great"]),
])
def test_bad_plan_file(text: str, words: list[str], tmp_path: Path, capsys) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(text, encoding="utf-8")
    code, printed = run(capsys, "check", str(write(tmp_path, base(), "p.json")), str(plan))
    assert_bad_input(code, printed, words)


def test_a_plan_file_named_like_json_is_a_file(plan_file: Path, tmp_path: Path, capsys) -> None:
    """A plan file whose name starts with '{' is read as a file, not parsed as its name."""
    odd = tmp_path / "{plan}.json"
    odd.write_text(plan_file.read_text(encoding="utf-8"), encoding="utf-8")
    code, printed = run(capsys, "check", str(write(tmp_path, base(), "p.json")), str(odd))
    assert code == 0, printed
    from dutyplan.plan import Plan

    assert Plan.from_json(str(odd)).assignments == Plan.from_json(plan_file).assignments


# --------------------------------------------------------------------------- other formats


def test_curtois_horizon_of_1e9_days(tmp_path: Path, capsys) -> None:
    path = tmp_path / "Instance0.txt"
    path.write_text("SECTION_HORIZON\n1000000000\nSECTION_SHIFTS\nD,480,\nSECTION_STAFF\n"
                    "A,D=14,4320,0,5,1,2,1\nSECTION_COVER\n0,D,1,100,1\n", encoding="utf-8")
    code, printed = run(capsys, "solve", str(path), "--time-limit", "1")
    assert_bad_input(code, printed, ["SECTION_HORIZON", "line 2", "1000000000"])


def test_timefold_time_with_an_offset(tmp_path: Path, capsys) -> None:
    doc = {"employees": [{"name": "Amy", "skills": ["Doctor"]}],
           "shifts": [{"id": "1", "start": "2030-04-01T06:00:00+08:00", "end": "2030-04-01T14:00:00+08:00",
                       "location": "A", "required_skill": "Doctor"}]}
    path = write(tmp_path, doc, "tf.json")
    code, printed = run(capsys, "solve", str(path), "--format", "timefold", "--time-limit", "1")
    assert_bad_input(code, printed, ["shifts.0.start", "offset"])


# --------------------------------------------------------------------------- as a real process


@pytest.mark.parametrize("argv, words", [
    (["solve", "PROBLEM", "--time-limit", "inf"], ["--time-limit"]),
    (["solve", "PROBLEM", "--seed", str(10**20)], ["--seed"]),
    (["solve", "BAD"], ["commute_km[0][0]", "1e+300"]),
])
def test_as_a_process(argv: list[str], words: list[str], tmp_path: Path) -> None:
    good = write(tmp_path, base())
    bad_doc = base()
    bad_doc["commute_km"] = [[1e300], [1]]
    bad = write(tmp_path, bad_doc, "bad.json")
    argv = [str(good) if a == "PROBLEM" else str(bad) if a == "BAD" else a for a in argv]
    done = subprocess.run([sys.executable, "-m", "dutyplan.cli", *argv], capture_output=True,
                          text=True, timeout=120)
    assert_bad_input(done.returncode, done.stdout + done.stderr, words)


def test_a_model_larger_than_the_free_memory_is_refused_before_it_is_built(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    """The memory a model needs is estimated from its candidate postings and refused, naming
    the horizon and the estimate, when the machine has less free."""
    import importlib

    solve_module = importlib.import_module("dutyplan.solver.single")
    monkeypatch.setattr(solve_module, "available_bytes", lambda: 1_000_000)  # 1 MB free
    doc = base()
    doc["horizon"]["days"] = 365
    code, printed = run(capsys, "solve", str(write(tmp_path, doc)), "--strategy", "single",
                        "--time-limit", "60")
    assert_bad_input(code, printed, ["horizon.days = 365", "needs about 4 MB", "1 MB this machine has free"])
