"""The font dutyplan ships so Chinese names render on a machine without one.

``DutyplanSansSC-Regular.otf`` is Noto Sans CJK SC Regular 2.004 cut to GB 2312 (every hanzi and
symbol of the national standard: 6,763 hanzi), Latin-1 and punctuation, under the SIL Open Font
License 1.1 (``OFL.txt`` beside it; ``docs/make_font.py`` made it). Plots register it with
matplotlib (:mod:`dutyplan.plots.fonts`); HTML pages embed the glyphs they use
(:func:`embedded_font_css`).
"""

from __future__ import annotations

import base64
import io
from importlib import resources
from pathlib import Path

FAMILY = "Dutyplan Sans SC"
FILE_NAME = "DutyplanSansSC-Regular.otf"


def font_path() -> Path | None:
    """The bundled font file, or None when the installation lacks it."""
    path = Path(str(resources.files(__name__).joinpath(FILE_NAME)))
    return path if path.is_file() else None


def embedded_font_css(text: str) -> str:
    """An ``@font-face`` rule for :data:`FAMILY` whose source is a WOFF of only the glyphs
    ``text`` uses, inlined as a data URI (a roster page: a few tens of KB), so the page shows
    its Chinese names wherever it is opened. Empty when ``text`` has no character beyond ASCII,
    or fontTools (which comes with matplotlib) or the font file is missing: the page's font
    stack then falls back to the reader's own fonts."""
    path = font_path()
    wanted = {char for char in text if ord(char) > 0x7F}
    if path is None or not wanted:
        return ""
    try:
        from fontTools import subset
        from fontTools.ttLib import TTFont
    except ImportError:
        return ""
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    ascii_text = "".join(chr(code) for code in range(0x20, 0x7F))
    subsetter.populate(text="".join(sorted(wanted)) + ascii_text)
    font = TTFont(path)
    subsetter.subset(font)
    font.flavor = "woff"
    buffer = io.BytesIO()
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: 400; '
        f'src: url(data:font/woff;base64,{data}) format("woff"); }}'
    )
