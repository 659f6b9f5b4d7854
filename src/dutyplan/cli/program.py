"""``dutyplan`` itself: parse, run the command, turn errors and Ctrl-C into exit codes."""

from __future__ import annotations

import logging
import os
import sys

from dutyplan.cli.arguments import parser
from dutyplan.cli.terminal import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, SafeStream
from dutyplan.errors import DutyplanError


def main(argv: list[str] | None = None) -> int:
    """Run the ``dutyplan`` command and return its exit code. Run as the program (no ``argv``:
    the console script, ``python -m dutyplan.cli``), a second Ctrl-C ends the process at once
    with code 130: Python's own exit would wait for the process pool's workers and threads,
    and a pool cut short while it starts or stops can leave a worker waiting for work that
    never comes (measured: 9 of 30 such aborts on a busy 2-core machine were still waiting
    10 s later)."""
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)  # type: ignore[assignment]
    try:
        given = list(sys.argv[1:] if argv is None else argv)
        if given and given[0] == "synth":  # its own options and help, under this program's name
            from dutyplan import synth

            return synth.main(given[1:], prog="dutyplan synth")
        args = parser().parse_args(argv)
        if args.verbose or getattr(args, "log", False):
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        return args.run(args)
    except DutyplanError as error:
        print(f"dutyplan: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # the second Ctrl-C: abort at once, nothing written
        print("dutyplan: aborted", file=sys.stderr)
        if argv is None:
            for stream in streams:
                stream.flush()
            os._exit(EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. piped into head
        return EXIT_OK
    finally:
        sys.stdout, sys.stderr = streams
