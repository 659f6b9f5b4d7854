"""The rulebook names every rule once, and every rule in it has its sides: the model's module
and the checker's module of its family state it, explanations have words for it, and a test
makes it bind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dutyplan.problem import Limit, Rules
from dutyplan.rulebook import FAMILIES, RULES, limit_words, short_words

SRC = Path(__file__).resolve().parents[1] / "src" / "dutyplan"
TESTS = Path(__file__).resolve().parent

#: where a family's model side lives when it is not model/<family>.py
MODEL_HOME = {"changes": [SRC / "replan.py"]}
#: rules the model states without naming them in a cost: facts that prune postings or the
#: model's structure (a posting exists only where the gate is open, the person available...)
MODEL_BY_STRUCTURE = {"unknown", "closed_gate", "times", "duplicate", "gate_role", "unavailable", "frozen",
                      "household_twice", "household_person"}
#: rules the checker finds while it reads the plan's assignments, before any rule family
CHECKER_ON_READING = {"unknown", "times", "duplicate"}
#: tests that make a rule bind, when the test's name does not name the rule
BINDING_TESTS = {
    "unknown": "test_unknown",
    "closed_gate": "test_closed_gate",
    "times": "test_times",
    "duplicate": "test_duplicate",
    "overlap": "test_overlap",
    "frozen": "test_frozen_and_change_cost_bind",
    "max_shifts": "test_max_shifts_per_type",
    "under_cover": "test_gate_priority_decides_which_gate_stays_uncovered",
    "commute": "test_commute",
    "site_preference": "test_site_preference",
    "shift_preference": "test_shift_preference",
    "day_off_preference": "test_day_off_preference",
    "fairness_nights": "test_fairness",
    "fairness_weekends": "test_fairness",
    "fairness_minutes": "test_fairness",
    "fairness_shift_squares": "test_fairness",
    "dropped_duty": "test_frozen_and_change_cost_bind",
    "added_duty": "test_frozen_and_change_cost_bind",
}


def sources(paths: list[Path]) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in paths)


def model_side(family: str) -> list[Path]:
    return MODEL_HOME.get(family, [SRC / "model" / f"{family}.py"])


def checker_side(family: str, name: str = "") -> list[Path]:
    if name in CHECKER_ON_READING:
        return [SRC / "checker" / "state.py"]
    return [SRC / "checker" / f"{family}.py"]  # one module per family, as in model/


def test_families_and_levels_are_known() -> None:
    levels = {"hard", "cover", "rules", "preferences", "commute", "fairness", "changes"}
    for rule in RULES.values():
        assert rule.family in FAMILIES, rule
        assert rule.level in levels, rule


def test_every_rule_of_the_problem_model_is_in_the_rulebook() -> None:
    for name in Rules.model_fields:
        assert name in RULES, f"Rules.{name} has no entry in the rulebook"


@pytest.mark.parametrize("name", sorted(RULES))
def test_a_rule_has_its_model_side(name: str) -> None:
    rule = RULES[name]
    if name in MODEL_BY_STRUCTURE:
        return
    paths = model_side(rule.family)
    assert all(path.exists() for path in paths), paths
    assert f'"{name}"' in sources(paths) or (rule.family == "fairness" and name.startswith("fairness_")), (
        f"{name}: not named in {', '.join(str(p.relative_to(SRC)) for p in paths)}"
    )


@pytest.mark.parametrize("name", sorted(RULES))
def test_a_rule_has_its_checker_side(name: str) -> None:
    text = sources(checker_side(RULES[name].family, name))
    assert f'"{name}"' in text or (name.startswith("fairness_") and 'f"fairness_{name}"' in text), name


@pytest.mark.parametrize("name", sorted(name for name, field in Rules.model_fields.items()
                                        if "Limit" in str(field.annotation) and "dict" not in str(field.annotation)))
def test_a_limit_has_words_for_explanations(name: str) -> None:
    words = limit_words(name, 7)
    assert words is not None and "7" in words, name
    assert short_words(name) != name, name


@pytest.mark.parametrize("name", sorted(name for name, rule in RULES.items() if rule.level == "hard"))
def test_an_always_hard_rule_has_a_short_name(name: str) -> None:
    if name == "frozen":  # re-plans only: not a reason anyone is blocked from a duty
        return
    assert short_words(name) != name or name == "unknown", name


@pytest.mark.parametrize("name", sorted(RULES))
def test_a_rule_has_a_test_where_it_binds(name: str) -> None:
    wanted = BINDING_TESTS.get(name, f"test_{name}")
    found = [path.name for path in TESTS.rglob("test_*.py")
             if re.search(rf"^def {re.escape(wanted)}\w*\(", path.read_text(encoding="utf-8"), re.M)]
    assert found, f"no test named {wanted}... makes {name} bind"


def test_every_limit_field_is_a_limit() -> None:
    assert isinstance(Rules(max_consecutive_days=3).max_consecutive_days, Limit)
