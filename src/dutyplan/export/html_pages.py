"""Printable HTML pages, one per site: roster, legend and what is uncovered."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING

from dutyplan.export.cells import clean
from dutyplan.export.paths import OutPath, output_file, require
from dutyplan.export.tables import (
    TABLES_HINT,
    clock_range,
    roster_dates,
    uncovered_frame,
    weekday,
)
from dutyplan.fonts import FAMILY as FONT_FAMILY
from dutyplan.fonts import embedded_font_css
from dutyplan.frames import caseloads_frame, roster_frame

if TYPE_CHECKING:
    import pandas as pd

    from dutyplan.plan import Plan
    from dutyplan.problem import Problem, Site


HTML_DAYS_PER_TABLE = 14  # one A4 landscape page holds about two weeks of shift codes


# the reader's own CJK fonts first; else the glyphs embedded in the page (dutyplan.fonts)
HTML_FONTS = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", '
    f'"Microsoft YaHei", "WenQuanYi Zen Hei", "{FONT_FAMILY}", sans-serif'
)


HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def to_html(problem: Problem, plan: Plan, path: OutPath) -> list[Path]:
    """One printable HTML file, a page per site (A4 landscape): the roster (people x dates,
    weekends shaded), a legend of shift types (and gates, where a site has several) and the
    site's uncovered gate-shifts. Self-contained, UTF-8, and well-formed XML as well as HTML;
    the glyphs of its Chinese names are embedded (a subset of the bundled font), so they show
    where the reader has no CJK font."""
    require(f"HTML export needs pandas: {TABLES_HINT}", "pandas")
    target = output_file(problem, path, ".html")
    uncovered = uncovered_frame(problem, plan)
    sections = [
        _html_site(
            problem,
            site,
            roster_frame(problem, plan, site.id),
            uncovered[uncovered["site"] == site.id],
        )
        for site in problem.sites
    ]
    if problem.households:
        sections.append(_html_caseloads(problem, plan))
    title = f"{problem.name}: duty roster {problem.horizon.start} - {problem.last_date}"
    page = [
        "<!DOCTYPE html>",
        f'<html lang="{_language(problem)}">',
        "<head>",
        '<meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        '<meta name="generator" content="dutyplan"/>',
        f"<title>{html_text(title)}</title>",
        f"<style>{embedded_font_css(title + ''.join(sections))}{_html_style()}</style>",
        "</head>",
        "<body>",
        *sections,
        "</body>",
        "</html>",
        "",
    ]
    target.write_text("\n".join(page), encoding="utf-8")
    return [target]


def html_text(value: object) -> str:
    """Text escaped for HTML and XML (``&``, ``<``, ``>`` and both quotes), control characters
    replaced (see :func:`clean`)."""
    return html.escape(clean(str(value)), quote=True)


def _language(problem: Problem) -> str:
    """``zh`` when the names are written in Chinese characters, else ``en`` (the page's own
    words are English)."""
    names = [problem.name, *(s.label for s in problem.sites), *(p.label for p in problem.people)]
    return "zh" if any(HAN.search(name) for name in names) else "en"


def _html_style() -> str:
    return f"""
@page {{ size: A4 landscape; margin: 10mm; }}
* {{ box-sizing: border-box; }}
body {{ font-family: {HTML_FONTS}; font-size: 10pt; color: #111; margin: 0;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
section.site {{ padding: 4mm 0; break-after: page; page-break-after: always; }}
section.site:last-child {{ break-after: auto; page-break-after: auto; }}
h1 {{ font-size: 16pt; margin: 0 0 1mm 0; }}
h2 {{ font-size: 11pt; margin: 4mm 0 1mm 0; }}
p.subtitle {{ margin: 0 0 3mm 0; color: #444; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #999; padding: 1mm 1.5mm; }}
table.roster {{ width: 100%; table-layout: fixed; margin-bottom: 2mm; break-inside: avoid; }}
table.roster th.person {{ width: 24mm; text-align: left; }}
table.roster thead th {{ font-size: 8pt; background: #dde4ee; }}
table.roster td {{ text-align: center; font-size: 8.5pt; white-space: nowrap; overflow: hidden; }}
table.roster .weekend {{ background: #e6e6e6; }}
table.roster thead th.weekend {{ background: #c9d1dc; }}
div.notes {{ display: flex; flex-wrap: wrap; gap: 8mm; align-items: flex-start; }}
table.legend, table.uncovered {{ font-size: 8.5pt; }}
table.legend th, table.uncovered th {{ background: #eee; text-align: left; }}
td.number {{ text-align: right; }}
p.none {{ color: #444; margin: 1mm 0; }}
"""


def _html_site(problem: Problem, site: Site, roster: pd.DataFrame, uncovered: pd.DataFrame) -> str:
    """The page of one site: title, roster tables, legend, uncovered gate-shifts."""
    horizon = problem.horizon
    subtitle = f"{problem.name} · {horizon.start} – {problem.last_date} ({horizon.days} days)"
    if horizon.timezone:
        subtitle += f" · {horizon.timezone}"
    parts = [
        f'<section class="site" data-site="{html_text(site.id)}">',
        f"<h1>{html_text(site.label)}</h1>",
        f'<p class="subtitle">{html_text(subtitle)}</p>',
    ]
    if roster.empty:
        parts.append('<p class="none">Nobody is on duty at this site.</p>')
    else:
        for first in range(0, roster.shape[1], HTML_DAYS_PER_TABLE):
            parts.append(_html_roster(problem, roster.iloc[:, first : first + HTML_DAYS_PER_TABLE]))
    parts.append('<div class="notes">')
    parts.append(_html_legend(problem, site))
    parts.append(_html_uncovered(problem, uncovered))
    parts += ["</div>", "</section>"]
    return "\n".join(parts)


def _html_roster(problem: Problem, roster: pd.DataFrame) -> str:
    """A roster table: a row per person, a column per date (weekday and date), shift codes."""
    dates = roster_dates(roster)
    weekend = ["weekend" if problem.is_weekend(day) else "workday" for day in dates]
    head = "".join(
        f'<th class="{kind}" scope="col">{weekday(day)}<br/>{day:%m-%d}</th>'
        for day, kind in zip(dates, weekend, strict=True)
    )
    rows = []
    for person, *codes in roster.itertuples(name=None):
        cells = "".join(
            f'<td class="{kind}">{html_text(code)}</td>'
            for code, kind in zip(codes, weekend, strict=True)
        )
        rows.append(f'<tr><th class="person" scope="row">{html_text(person)}</th>{cells}</tr>')
    return "\n".join(
        [
            '<table class="roster">',
            f'<thead><tr><th class="person" scope="col">Person</th>{head}</tr></thead>',
            "<tbody>",
            *rows,
            "</tbody>",
            "</table>",
        ]
    )


def _html_legend(problem: Problem, site: Site) -> str:
    """Shift types (id, name, clock times) and, where the roster shows gate ids, the gates."""
    rows = [
        f"<tr><td>{html_text(s.id)}</td><td>{html_text(s.name or '')}</td>"
        f"<td>{html_text(clock_range(s))}</td></tr>"
        for s in problem.shift_types
    ]
    legend = [
        '<table class="legend">',
        '<thead><tr><th colspan="3">Shift types</th></tr></thead>',
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
    ]
    if len(site.gates) > 1:
        gate_rows = [
            f"<tr><td>{html_text(g.id)}</td><td>{html_text(g.name or '')}</td></tr>" for g in site.gates
        ]
        legend += [
            '<table class="legend">',
            '<thead><tr><th colspan="2">Gates</th></tr></thead>',
            "<tbody>",
            *gate_rows,
            "</tbody>",
            "</table>",
        ]
    return "\n".join(legend)


def _html_caseloads(problem: Problem, plan: Plan) -> str:
    """A page of households under watch: who answers for each, where, which dates, the daily
    visit window; households nobody answers for first."""
    frame = caseloads_frame(problem, plan)
    frame = frame.assign(nobody=frame["person"].isna()).sort_values(
        ["nobody", "person_name", "first"], ascending=[False, True, True], kind="stable")
    tasks = problem.caseload
    header = "".join(f"<th>{name}</th>" for name in ("Person", "Household", "People", "Address", "Site", "Watched"))
    rows = []
    for row in frame.itertuples(index=False):
        who = "nobody" if row.nobody else row.person_name
        cells = [
            f"<td>{html_text(who)}</td>", f"<td>{html_text(row.name)}</td>",
            f'<td class="number">{row.people}</td>', f"<td>{html_text(row.address or '')}</td>",
            f"<td>{html_text(row.site_name)}</td>", f"<td>{row.first:%Y-%m-%d} - {row.last:%Y-%m-%d}</td>",
        ]
        opening = '<tr class="short">' if row.nobody else "<tr>"
        rows.append(f"{opening}{''.join(cells)}</tr>")
    nobody = int(frame["nobody"].sum())
    title = f"Households under watch: {len(frame)}" + (f", {nobody} with nobody answering" if nobody else "")
    every_day = (f"Every watched date: {tasks.calls} phone check-in(s) of {tasks.call_minutes} min and a visit "
                 f"of {tasks.visit_minutes} min between {tasks.visit_from:%H:%M} and {tasks.visit_until:%H:%M}.")
    return "\n".join([
        '<section class="site caseloads">',
        f"<h1>{html_text(title)}</h1>",
        f"<p>{html_text(every_day)}</p>",
        '<table class="uncovered">',
        f"<thead><tr>{header}</tr></thead>",
        "<tbody>", *rows, "</tbody>", "</table>", "</section>",
    ])


def _html_uncovered(problem: Problem, uncovered: pd.DataFrame) -> str:
    """The site's gate-shifts left short, or a line saying every one is covered."""
    if uncovered.empty:
        return (
            '<div class="uncovered"><h2>Uncovered</h2>'
            '<p class="none">Every gate-shift is covered.</p></div>'
        )
    header = "".join(
        f"<th>{name}</th>"
        for name in ("Date", "Shift", "Gate", "Time", "Need", "Assigned", "Missing")
    )
    rows = []
    for row in uncovered.itertuples(index=False):
        day = row.date.date()
        shift = problem.shift_type(row.shift)
        cells = [
            f"<td>{weekday(day)} {day}</td>",
            f"<td>{html_text(shift.id)}</td>",
            f"<td>{html_text(row.gate_name)}</td>",
            f"<td>{html_text(clock_range(shift))}</td>",
            *(
                f'<td class="number">{value}</td>'
                for value in (row.need, row.assigned, row.missing)
            ),
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    shifts, missing = len(uncovered), int(uncovered["missing"].sum())
    people = "person" if missing == 1 else "people"
    title = f"Uncovered: {shifts} gate-shift{'s' * (shifts != 1)}, {missing} {people} short"
    return "\n".join(
        [
            '<div class="uncovered">',
            f"<h2>{title}</h2>",
            '<table class="uncovered">',
            f"<thead><tr>{header}</tr></thead>",
            "<tbody>",
            *rows,
            "</tbody>",
            "</table>",
            "</div>",
        ]
    )
