"""Build dutyplan's CJK font: Noto Sans CJK SC Regular cut to GB 2312, Latin and punctuation.

    python docs/make_font.py NotoSansCJK-Regular.ttc src/dutyplan/fonts/DutyplanSansSC-Regular.otf

The source is the Noto CJK release 2.004 (Debian's ``fonts-noto-cjk`` 1:20220127, face 2 of
``NotoSansCJK-Regular.ttc``, or ``NotoSansCJKsc-Regular.otf`` from github.com/googlefonts/noto-cjk).
Licensed under the SIL Open Font License 1.1 (``src/dutyplan/fonts/OFL.txt``); the cut is a
Modified Version, so it carries its own family name.
"""

from __future__ import annotations

import sys

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

FAMILY = "Dutyplan Sans SC"
POSTSCRIPT = "DutyplanSansSC-Regular"


def characters() -> set[int]:
    """GB 2312 (every hanzi and symbol of the national standard), Latin-1, general and CJK
    punctuation, fullwidth forms."""
    codes: set[int] = set(range(0x20, 0x7F)) | set(range(0xA0, 0x180))
    codes |= set(range(0x2000, 0x2070)) | set(range(0x2190, 0x2200)) | set(range(0x2460, 0x2500))
    codes |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                codes.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return codes


def main(source: str, target: str) -> None:
    if source.endswith(".ttc"):
        font = next(f for f in TTCollection(source).fonts
                    if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    else:
        font = TTFont(source)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.hinting = False
    options.desubroutinize = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters())
    subsetter.subset(font)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 18, 21, 22):
            names.removeNames(nameID=record.nameID)
    names.setName(FAMILY, 1, 3, 1, 0x409)
    names.setName("Regular", 2, 3, 1, 0x409)
    names.setName(f"{POSTSCRIPT};subset of Noto Sans CJK SC 2.004", 3, 3, 1, 0x409)
    names.setName(f"{FAMILY} Regular", 4, 3, 1, 0x409)
    names.setName(POSTSCRIPT, 6, 3, 1, 0x409)
    names.setName(
        "A subset of Noto Sans CJK SC (GB 2312, Latin, punctuation) made for dutyplan; "
        "Noto is a trademark of Google Inc.", 10, 3, 1, 0x409)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [POSTSCRIPT]
        top = cff.topDictIndex[0]
        top.FullName = f"{FAMILY} Regular"
        top.FamilyName = FAMILY
    font.save(target)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
