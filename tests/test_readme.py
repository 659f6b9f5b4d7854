"""The README's Python example runs as written and its claims hold."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs(tmp_path, monkeypatch) -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"## Use it from Python\n\n```python\n(.*?)```", text, re.S)
    assert match, "the README lost its Python example"
    monkeypatch.chdir(tmp_path)  # it writes plan.json
    namespace: dict = {}
    exec(compile(match.group(1), str(README), "exec"), namespace)
    assert namespace["report"].ok
    assert (tmp_path / "plan.json").exists()


def test_readme_quick_start_is_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Quick start\n.*?```bash\n(.*?)```", text, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert commands == [
        "pip install . && dutyplan solve shangzhuang --time-limit 20",
        'pip install ".[test]" && python -m pytest',
    ]
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci
