"""matplotlib, loaded when a picture is drawn, and fonts with Chinese glyphs for the labels."""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from dutyplan.errors import DutyplanError

logger = logging.getLogger("dutyplan")


MATPLOTLIB_MISSING = "plots need matplotlib: pip install 'dutyplan[plots]'"


# font families with Chinese glyphs, in order of preference
CJK_FAMILIES: tuple[str, ...] = (
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


# CJK radicals, punctuation, kana, unified ideographs, Hangul, compatibility and fullwidth forms
CJK_CHARACTERS = re.compile(
    "[\u2e80-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)


@functools.lru_cache(maxsize=1)
def warn_missing_font() -> None:
    """Log, once per process, that no installed font has Chinese glyphs (``cache_clear()``
    warns again)."""
    logger.warning(
        "no font with Chinese glyphs found for the plot labels; install one "
        "(e.g. 'apt install fonts-noto-cjk', then delete matplotlib's font cache) "
        "or pass font='<family name>'"
    )


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


def find_cjk_font(characters: Iterable[str] = "上庄村") -> str | None:
    """The first family of :data:`CJK_FAMILIES` installed (as matplotlib sees it) that has a
    glyph for every one of ``characters``, or None."""
    load_matplotlib()
    from matplotlib import font_manager
    codes = {ord(char) for char in characters}
    paths: dict[str, list[str]] = defaultdict(list)
    for entry in font_manager.fontManager.ttflist:
        paths[entry.name].append(entry.fname)
    for family in CJK_FAMILIES:
        for path in paths.get(family, []):
            try:
                covered = font_characters(path)
            except (OSError, RuntimeError):
                continue
            if codes <= covered:
                return family
    return None


@contextlib.contextmanager
def use_cjk_font(
    texts: Iterable[str] = (), font: str | None = None
) -> Iterator[list[str] | None]:
    """A context in which new matplotlib text is drawn with a font that has CJK glyphs.

    ``font``: a family name to use, whatever the texts. Otherwise, when ``texts`` is empty or
    contains CJK characters, the first installed family of :data:`CJK_FAMILIES` with those
    glyphs is used; when none is installed a warning naming the fix is logged once. Latin text
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
        family = find_cjk_font(needed or "上庄村")
        if family is None:
            warn_missing_font()
            yield None
            return
    font_log = logging.getLogger("matplotlib.font_manager")
    if SINGLE_WEIGHT_FILTER not in font_log.filters:
        font_log.addFilter(SINGLE_WEIGHT_FILTER)
    current = list(matplotlib.rcParams["font.family"])
    if font is not None:
        families = [font, *current]
    else:
        families = [*current, family]
    with matplotlib.rc_context({"font.family": families}):
        yield families


def set_font(families: list[str] | None, *artists: Any) -> None:
    """Give every text under ``artists`` these families (tick labels added later copy them)."""
    if families is None:
        return
    from matplotlib.text import Text

    for artist in artists:
        for text in artist.findobj(Text):
            text.set_fontfamily(families)
