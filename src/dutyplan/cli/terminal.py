"""Exit codes, and text safe to print: control characters shown as escapes."""

from __future__ import annotations

import re
from typing import Any, TextIO

EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT, EXIT_NO_PLAN = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a process ended by Ctrl-C


# what a terminal would act on: C0 controls but tab, line feed and carriage return, DEL, C1,
# line and paragraph separators, bidirectional overrides and isolates
TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: str) -> str:
    """``text`` with every character a terminal would act on shown as an escape (``\\x1b``)."""
    return TERMINAL_UNSAFE.sub(escaped, text)


class SafeStream:
    """A text stream that shows control characters as escapes instead of writing them."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(terminal_text(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
