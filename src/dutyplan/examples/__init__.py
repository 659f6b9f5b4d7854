"""Ready-made problems taken from the news reports in the domain brief.

* ``shangzhuang``: Shangzhuang town, Haidian, Beijing, March 2020. 20 cadres of one company
  group staff 4 villages (7 gates) 08:00-22:00 in two 7-hour shifts for 14 days; one cadre
  drives 130 km round trip from Fangshan, another 110 km from Wangsiying.
* ``yuncheng``: Yuncheng, Shanxi, April 2022. 40 cadres, school staff and community workers
  staff 7 compounds (8 gates) around the clock in three 8-hour shifts for 14 days.
* ``yanji``: Yanji, Jilin, February-March 2020, the "1+N" responsibility system. 14 cadres of
  one centre answer for 25 home-quarantined households (43 people) arriving over 10 days in
  one community, each for its 14 days (two phone check-ins and an evening visit a day), and
  stand duty at the community's two entrances.

>>> from dutyplan.examples import load_example
>>> load_example("shangzhuang").horizon.days
14
"""

from __future__ import annotations

import pathlib
from importlib import resources

from pydantic import ValidationError

from dutyplan.errors import ProblemError
from dutyplan.problem import Problem, format_validation_error

EXAMPLES: tuple[str, ...] = ("shangzhuang", "yuncheng", "yanji")

__all__ = ["EXAMPLES", "example_path", "load_example"]


def _check_name(name: str) -> str:
    if name not in EXAMPLES:
        raise ProblemError(f"unknown example {name!r} (known: {', '.join(EXAMPLES)})")
    return name


def example_path(name: str) -> pathlib.Path:
    """The path of the JSON file of example ``name``."""
    _check_name(name)
    resource = resources.files(__package__).joinpath(f"{name}.json")
    return pathlib.Path(str(resource))


def load_example(name: str) -> Problem:
    """The example ``name`` as a validated :class:`~dutyplan.problem.Problem`."""
    _check_name(name)
    text = resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    try:
        return Problem.model_validate_json(text)
    except ValidationError as error:  # model_validate_json is not wrapped by dutyplan
        raise ProblemError(format_validation_error(error, f"invalid example {name!r}")) from None
