"""Safe text in every cell: no control characters, no formulas."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


# control characters XML 1.0 forbids (tab, line feed and carriage return are allowed), DEL and
# the C1 controls: each becomes U+FFFD in everything written
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
REPLACEMENT_CHARACTER = "\ufffd"
# a CSV cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TEXT_PREFIX = "'"


# ';' then (spaces or a quote and) a formula start: a new cell where a locale splits on ';'
# (its spreadsheet reads our ',' file without our quotes; a ',' inside quotes is safe)
CSV_INNER_FORMULA = re.compile("""(;)(\\s*["']?)([=+\\-@\t\r])""")


def clean(text: str) -> str:
    """``text`` with every control character XML forbids (and DEL and C1) replaced by U+FFFD."""
    return CONTROL_CHARACTERS.sub(REPLACEMENT_CHARACTER, text)


def csv_text(value: Any) -> Any:
    """A CSV cell: text without control characters and, if it would start a formula, with a
    ``'`` in front, also after a ``;`` inside it (a spreadsheet that splits on ``;`` would
    start a cell there); anything else (numbers, dates, empty cells) as it is."""
    if not isinstance(value, str):
        return value
    value = CSV_INNER_FORMULA.sub(rf"\1\2{CSV_TEXT_PREFIX}\3", clean(value))
    return CSV_TEXT_PREFIX + value if value.startswith(CSV_FORMULA_STARTS) else value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`csv_text` applied to its text columns, its index (when
    text) and its column and index labels."""
    import pandas as pd
    from pandas.api.types import is_string_dtype

    safe = frame.copy()
    for column in safe.columns:
        if isinstance(safe[column].dtype, pd.CategoricalDtype):  # ids: their values, made safe
            safe[column] = safe[column].astype(object)
        if is_string_dtype(safe[column].dtype):
            safe[column] = safe[column].map(csv_text)
    if is_string_dtype(safe.index.dtype):
        safe.index = safe.index.map(csv_text)
    safe.index.names = [csv_text(name) for name in safe.index.names]
    safe.columns = [csv_text(label) for label in safe.columns]
    return safe
