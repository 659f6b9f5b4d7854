"""Shared bits of the benchmark scripts: machine description and result rows."""

from __future__ import annotations

import argparse

import csv
import json
import os
import platform
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


def machine() -> str:
    cpu = platform.processor() or "unknown cpu"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def level_text(result) -> str:
    parts = []
    for lv in result.levels:
        bound = "?" if lv.bound is None else lv.bound
        parts.append(f"{lv.name} {lv.value}/{bound}{'*' if lv.optimal else ''}")
    return ", ".join(parts)


def write_results(prefix: str, rows: list[dict], columns: list[str], markdown: str) -> None:
    """``PREFIX.csv`` (the given columns of every row) and ``PREFIX.md`` (the given text)."""
    out = Path(prefix)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.with_suffix(".csv"), "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    out.with_suffix(".md").write_text(markdown, encoding="utf-8")
    print(f"\nwritten: {out.with_suffix('.csv')}, {out.with_suffix('.md')}")


def markdown_table(rows: list[dict], head: list[str], keys: list[str]) -> str:
    """A markdown table: the ``keys`` of each row under the column names ``head``."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(row.get(k, "")) for k in keys) + " |" for row in rows]
    return "\n".join(lines)


def rows_of_children(script: str, numbers: list[int], arguments: list[str]) -> Iterator[dict]:
    """Run ``script --one N ARGUMENTS`` for each number in a process of its own (so peak memory
    is its own) and yield the row each prints as its last line (a failure is reported, skipped)."""
    for number in numbers:
        child = [sys.executable, script, "--one", str(number), *arguments]
        done = subprocess.run(child, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"Instance{number}: failed\n{done.stderr}", file=sys.stderr)
            continue
        yield json.loads(done.stdout.strip().splitlines()[-1])


def seed_list(text: str) -> list[int]:
    """``0,1,2``: the solver's seeds (argparse names the option when one is not a number >= 0)."""
    try:
        seeds = [int(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of seeds: {text!r}") from None
    if any(seed < 0 for seed in seeds):
        raise argparse.ArgumentTypeError(f"seeds must be >= 0, got {text!r}")
    return seeds


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, got {text}")
    return value


def seconds_list(text: str) -> list[float]:
    """``1,3,10``: time limits (argparse names the option when one is not a positive number)."""
    return [positive_seconds(x) for x in text.split(",")]
