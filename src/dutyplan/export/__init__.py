"""A plan in the formats people open: Excel, CSV, calendars and printable HTML.

Every exporter takes ``(problem, plan, out)`` and returns the paths it wrote:

* :func:`to_excel`: one ``.xlsx`` workbook, a person x date roster sheet per site, then
  ``Uncovered``, ``People`` and ``Assignments`` (needs pandas and openpyxl);
* :func:`to_csv`: ``assignments.csv``, ``uncovered.csv``, ``people.csv``, ``coverage.csv`` and
  ``roster_<site id>.csv`` in UTF-8 with a byte order mark, so Excel reads Chinese names right
  (needs pandas);
* :func:`to_ics`: one iCalendar file per person on duty, one event per assignment, in the
  horizon's time zone (floating local time when it has none) (needs icalendar);
* :func:`to_html`: one self-contained printable page per site: the roster, a legend of shift
  types and the gate-shifts left uncovered (needs pandas);
* :func:`export`: any of them by format name (``xlsx``, ``csv``, ``ics``, ``html``).

For ``xlsx`` and ``html``, ``out`` is a file path ending in the suffix, or a directory (the
file is then named after the problem); for ``csv`` and ``ics`` it is a directory. Missing
directories are created. The tables come from :mod:`dutyplan.frames`; nothing here needs
pandas, openpyxl or icalendar until an exporter is called.

Ids and names are data, never markup or formulas, even in a plan or problem built without
validation:

* control characters that XML 1.0 forbids or that terminals act on (U+0000-U+0008, U+000B,
  U+000C, U+000E-U+001F and U+007F-U+009F) are replaced with U+FFFD in every string any
  exporter writes (workbook, CSV, calendar, HTML);
* CSV ("CSV injection", as OWASP recommends): a text cell, header or index label that starts
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a ``'`` in
  front, so a spreadsheet shows it as text instead of running it as a formula; every text
  cell is quoted (a ``,`` inside stays in its cell), and a formula start after a ``;`` inside
  a cell gets a ``'`` too (a locale that splits on ``;`` would start a cell there); numbers
  (negative ones too) are written as they are;
* Excel: every string is stored as a text cell, never as a formula, even when it starts with
  ``=``.

One module per format (``excel``, ``csv_files``, ``calendars``, ``html_pages``), with the safe
text of every cell (``cells``), output paths (``paths``), the shared tables (``tables``) and
the choice by format name (``formats``).
"""

from __future__ import annotations

from dutyplan.export.calendars import to_ics
from dutyplan.export.csv_files import (
    to_csv,
)
from dutyplan.export.excel import to_excel
from dutyplan.export.formats import FORMATS, export
from dutyplan.export.html_pages import to_html

__all__ = [
    "FORMATS",
    "export",
    "to_csv",
    "to_excel",
    "to_html",
    "to_ics",
]
