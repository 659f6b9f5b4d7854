"""``dutyplan`` itself: parse, run the command, turn errors and Ctrl-C into exit codes."""

from __future__ import annotations

import logging
import sys

from dutyplan.cli.arguments import parser
from dutyplan.cli.terminal import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, SafeStream
from dutyplan.errors import DutyplanError


def main(argv: list[str] | None = None) -> int:
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)  # type: ignore[assignment]
    try:
        args = parser().parse_args(argv)
        if args.verbose or getattr(args, "log", False):
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        return args.run(args)
    except DutyplanError as error:
        print(f"dutyplan: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # the second Ctrl-C: abort at once, nothing written
        print("dutyplan: aborted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. piped into head
        return EXIT_OK
    finally:
        sys.stdout, sys.stderr = streams
