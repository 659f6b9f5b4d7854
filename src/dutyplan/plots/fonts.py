"""matplotlib, loaded when a picture is drawn, and fonts with Chinese glyphs for the labels."""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from dutyplan.errors import DutyplanError
from dutyplan.fonts import FAMILY as BUNDLED_FAMILY
from dutyplan.fonts import font_path

logger = logging.getLogger("dutyplan")


MATPLOTLIB_MISSING = "plots need matplotlib: pip install 'dutyplan[plots]'"


# font families with Chinese glyphs, in order of preference: the one dutyplan ships (GB 2312,
# so every figure looks the same on every machine), then fonts with more characters
CJK_FAMILIES: tuple[str, ...] = (
    BUNDLED_FAMILY,
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "AR PL UMing CN",
)


# CJK radicals, punctuation, kana, unified ideographs, Hangul, compatibility and fullwidth forms,
# the supplementary ideographs (extensions B-G)
CJK_CHARACTERS = re.compile(
    "[\u2e80-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]"
)


@functools.lru_cache(maxsize=1)
def warn_missing_font() -> None:
    """Log, once per process, that no installed font has Chinese glyphs (``cache_clear()``
    warns again)."""
    logger.warning(
        "no font with Chinese glyphs found for the plot labels (dutyplan's own font file is "
        "missing from this installation); install one "
        "(e.g. 'apt install fonts-noto-cjk', then delete matplotlib's font cache) "
        "or pass font='<family name>'"
    )


_told_missing: set[int] = set()


def warn_missing_glyphs(codes: Iterable[int]) -> None:
    """Log once per character that no font has its glyph, and silence matplotlib's own warning
    for those characters (one per glyph per drawing, which buried the hint)."""
    new = sorted(set(codes) - _told_missing)
    if not new:
        return
    _told_missing.update(new)
    silence_glyph_warnings(new)
    shown = "".join(chr(code) for code in new[:20]) + ("..." if len(new) > 20 else "")
    logger.warning(
        "no installed font has a glyph for %d character(s) in the plot labels (%s); they "
        "are drawn as boxes: install a font with them (e.g. 'apt install fonts-noto-cjk', then "
        "delete matplotlib's font cache) or pass font='<family name>'",
        len(new),
        shown,
    )


def silence_glyph_warnings(codes: Iterable[int]) -> None:
    """Ignore matplotlib's "Glyph N (...) missing from font(s)" for these code points, whose
    absence dutyplan has already reported."""
    codes = sorted(set(codes))
    if codes:
        warnings.filterwarnings(
            "ignore", message=rf"Glyph ({'|'.join(map(str, codes))}) \(.*missing from font"
        )


@functools.lru_cache(maxsize=1)
def register_bundled_font() -> bool:
    """Add dutyplan's own CJK font to matplotlib's font list (once); False when the file is
    missing."""
    from matplotlib import font_manager

    path = font_path()
    if path is None:
        return False
    font_manager.fontManager.addfont(str(path))
    return True


class SingleWeightFontFilter(logging.Filter):
    """Drops matplotlib's "Failed to find font weight ... for <family>" warnings for the CJK
    families: many come in one weight only, and the nearest weight is what we want."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not (
            str(record.msg).startswith("findfont: Failed to find font weight")
            and len(args) >= 2
            and args[1] in CJK_FAMILIES
        )


SINGLE_WEIGHT_FILTER = SingleWeightFontFilter()


def load_matplotlib() -> Any:
    """The matplotlib package, or DutyplanError naming the install command."""
    try:
        import matplotlib
        import matplotlib.figure  # noqa: F401  (used through the package)
    except ImportError:
        raise DutyplanError(MATPLOTLIB_MISSING) from None
    return matplotlib


def cjk_characters(texts: Iterable[str]) -> set[str]:
    """The CJK characters (ideographs, kana, Hangul, fullwidth forms) in ``texts``."""
    return {char for text in texts for char in CJK_CHARACTERS.findall(text)}


@functools.lru_cache(maxsize=32)
def font_characters(path: str) -> frozenset[int]:
    """Code points a font file has glyphs for."""
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


def find_cjk_font(characters: Iterable[str] = "上庄村", closest: bool = False) -> str | None:
    """The first family of :data:`CJK_FAMILIES` installed (as matplotlib sees it; dutyplan's
    own is registered first) that has a glyph for every one of ``characters``. When none has
    them all: None, or with ``closest`` the family with most of them (None if it has none)."""
    load_matplotlib()
    register_bundled_font()
    from matplotlib import font_manager
    codes = {ord(char) for char in characters}
    paths: dict[str, list[str]] = defaultdict(list)
    for entry in font_manager.fontManager.ttflist:
        paths[entry.name].append(entry.fname)
    best, best_count = None, 0
    for family in CJK_FAMILIES:
        for path in paths.get(family, []):
            try:
                covered = font_characters(path)
            except (OSError, RuntimeError):
                continue
            if codes <= covered:
                return family
            if len(codes & covered) > best_count:
                best, best_count = family, len(codes & covered)
    return best if closest else None


def missing_glyphs(family: str, characters: Iterable[str]) -> set[int]:
    """The code points of ``characters`` that no file of ``family`` has a glyph for."""
    from matplotlib import font_manager

    codes = {ord(char) for char in characters}
    for entry in font_manager.fontManager.ttflist:
        if entry.name == family:
            try:
                codes -= font_characters(entry.fname)
            except (OSError, RuntimeError):
                continue
    return codes


@contextlib.contextmanager
def use_cjk_font(
    texts: Iterable[str] = (), font: str | None = None
) -> Iterator[list[str] | None]:
    """A context in which new matplotlib text is drawn with a font that has CJK glyphs.

    ``font``: a family name to use, whatever the texts. Otherwise, when ``texts`` is empty or
    contains CJK characters, the first installed family of :data:`CJK_FAMILIES` with those
    glyphs is used (dutyplan ships one with GB 2312's characters), else the one with most of
    them and a warning naming the characters still missing is logged once for each (matplotlib's
    own warning per glyph drawn is silenced for them). Latin text
    keeps the current family (the CJK family is a per-glyph fallback). Global rcParams are
    restored on exit; matplotlib's warnings that a CJK family lacks a weight (bold) are
    silenced. Yields the font families new text gets (None: unchanged); pass them to
    ``Text.set_fontfamily`` for text made outside the context, such as tick labels of axes
    created before it.
    """
    matplotlib = load_matplotlib()
    texts = list(texts)
    family = font
    if family is None:
        needed = cjk_characters(texts)
        if texts and not needed:
            yield None
            return
        family = find_cjk_font(needed or "上庄村", closest=True)
        if family is None:
            warn_missing_font()
            silence_glyph_warnings(ord(char) for char in needed)
            yield None
            return
        warn_missing_glyphs(missing_glyphs(family, needed))
    font_log = logging.getLogger("matplotlib.font_manager")
    if SINGLE_WEIGHT_FILTER not in font_log.filters:
        font_log.addFilter(SINGLE_WEIGHT_FILTER)
    current = list(matplotlib.rcParams["font.family"])
    if font is not None:
        families = [font, *current]
    else:
        families = [*current, family]
    # only the font family is set and put back: an rc_context would also put back everything
    # else, such as the interactive mode a notebook's backend turns on when pyplot is first
    # imported inside it (then no later figure showed in the notebook)
    rc = matplotlib.rcParams
    rc["font.family"] = families
    try:
        yield families
    finally:
        rc["font.family"] = current


def set_font(families: list[str] | None, *artists: Any) -> None:
    """Give every text under ``artists`` these families (tick labels added later copy them)."""
    if families is None:
        return
    from matplotlib.text import Text

    for artist in artists:
        for text in artist.findobj(Text):
            text.set_fontfamily(families)
