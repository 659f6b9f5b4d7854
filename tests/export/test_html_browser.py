"""The HTML booklet in a real browser: headless Chromium draws its Chinese names as glyphs, not
boxes, whatever fonts the machine has. Skipped where no Chromium is installed (Debian:
``apt-get install chromium``)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dutyplan.examples import load_example
from dutyplan.export import export
from dutyplan.plan import Plan, Result

BROWSER = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(name)), None)

pytestmark = pytest.mark.skipif(BROWSER is None, reason="no headless Chromium installed")

# show the first site's title alone, large, black on white: an ideograph is 1 em wide, so
# character i is drawn in the cell from MARGIN + i * (EM + SPACING), EM pixels wide
EM, SPACING, MARGIN = 96, 64, 8
PROBE_STYLE = (
    "<style>body { background: #fff; margin: 0; } section.site ~ section, section.site > *:not(h1)"
    f" {{ display: none; }} h1 {{ font-size: {EM}px; line-height: 1.25; letter-spacing: "
    f"{SPACING}px; margin: {MARGIN}px; color: #000; font-weight: normal; }}</style>"
)
HEIGHT = 180


def glyph_cells(page: Path, target: Path, count: int) -> list[bytes]:
    """The page drawn by headless Chromium; the pixels of each of the first ``count`` cells."""
    image = pytest.importorskip("PIL.Image")
    width = MARGIN * 2 + count * (EM + SPACING)
    command = [
        BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        f"--user-data-dir={target.parent / 'profile'}", f"--screenshot={target}",
        f"--window-size={width},{HEIGHT}", page.as_uri(),
    ]
    subprocess.run(command, capture_output=True, timeout=120, check=True)
    picture = image.open(target).convert("L")
    return [
        picture.crop((MARGIN + i * (EM + SPACING), 0, MARGIN + i * (EM + SPACING) + EM, HEIGHT)).tobytes()
        for i in range(count)
    ]


def drawn_as_boxes(cells: list[bytes]) -> bool:
    """Boxes: a missing glyph is the same box whatever the character, so distinct characters
    give identical cells (or nothing is drawn at all)."""
    inked = [cell for cell in cells if min(cell) < 128]
    return len(inked) < len(cells) or len(set(inked)) < len(inked)


def probe(text: str, tmp_path: Path, name: str, count: int) -> list[bytes]:
    page = tmp_path / f"{name}.html"
    page.write_text(text.replace("</head>", PROBE_STYLE + "</head>", 1), encoding="utf-8")
    return glyph_cells(page, tmp_path / f"{name}.png", count)


def test_the_booklet_shows_chinese_names_not_boxes(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    problem = load_example("shangzhuang")
    plan = Plan.build(problem, [], Result(status="feasible"))
    (path,) = export(problem, plan, "html", tmp_path)
    text = path.read_text(encoding="utf-8")
    title = problem.sites[0].label
    assert len(set(title)) == len(title) >= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", title)
    assert not drawn_as_boxes(probe(text, tmp_path, "booklet", len(title)))
    # the probe itself tells boxes: without the embedded glyphs, on a machine with no CJK
    # font, Chromium draws the same title as boxes
    bare = re.sub(r"@font-face \{[^}]*\}", "", text, count=1)
    assert bare != text
    has_cjk_font = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True)
    if shutil.which("fc-list") and not has_cjk_font.stdout.strip():
        assert drawn_as_boxes(probe(bare, tmp_path, "bare", len(title)))
