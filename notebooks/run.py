"""Run the tutorials top to bottom and save them with their outputs (what GitHub shows).

    python notebooks/run.py                 # every notebook, in place
    python notebooks/run.py 02_what_if      # one
    DUTYPLAN_QUICK=1 python notebooks/run.py --check   # as CI: short limits, nothing written

Needs ``pip install ".[notebooks]"``. Each notebook runs in its own kernel with the notebooks
directory as its working directory; the wall time of each is printed (each should stay under
two minutes on two cores).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbclient
import nbformat

HERE = Path(__file__).resolve().parent


def run(path: Path, write: bool, timeout: int = 600) -> float:
    """Execute ``path``; save it with its outputs when ``write``. Returns the wall seconds."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:  # start clean: no output of an earlier run survives
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    started = time.perf_counter()
    nbclient.NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    ).execute()
    seconds = time.perf_counter() - started
    if write:
        nbformat.write(notebook, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebooks to run (default: all)")
    parser.add_argument("--check", action="store_true", help="run only; write nothing")
    args = parser.parse_args(argv)
    paths = sorted(HERE.glob("*.ipynb"))
    if args.names:
        paths = [p for p in paths if p.stem in args.names or p.name in args.names]
    for path in paths:
        seconds = run(path, write=not args.check)
        print(f"{path.name}: {seconds:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
