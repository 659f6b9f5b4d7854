"""The one-way house: the import contracts in pyproject.toml hold, and they would catch a
back-import (a lower layer importing a higher one), even one hidden in a function."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = shutil.which("lint-imports")

pytestmark = pytest.mark.skipif(LINT is None, reason="import-linter is in the test extras")


def lint(project: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the project at ``project`` (its src/ first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    return subprocess.run([LINT, "--no-cache", "--config", str(project / "pyproject.toml")],
                          cwd=project, capture_output=True, text=True, env=env, timeout=300)


def test_the_contracts_hold() -> None:
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize("module, back_import, contract", [
    # the model reaches up into the solver, in a function: still a circle
    ("model/builder.py", "def _planted():\n    from dutyplan.solver import solve_model\n", "Data flows one way"),
    # the checker reaches into the model
    ("checker/runs.py", "from dutyplan.model import build_model\n", "The checker is independent"),
    # one rule family of the checker leans on another
    ("checker/runs.py", "from dutyplan.checker import totals\n", "Inside the checker"),
    # the plan reaches up into the solve
    ("plan.py", "def _planted():\n    import dutyplan.solve\n", "Data flows one way"),
])
def test_a_planted_back_import_breaks_a_contract(module: str, back_import: str, contract: str,
                                                 tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    target = copy / "src" / "dutyplan" / module
    target.write_text(target.read_text(encoding="utf-8") + "\n\n" + back_import, encoding="utf-8")
    done = lint(copy)
    assert done.returncode != 0, done.stdout
    broken = done.stdout[done.stdout.index(contract):].splitlines()[0:3]
    assert any("BROKEN" in line for line in broken), done.stdout
