"""PDFs that print any name: a Unicode TrueType font, and a visible mark for what no font has.

fpdf2's built-in fonts are Latin-1 only and raise on "Ayşe Doğan". We embed DejaVu Sans (Debian
package `fonts-dejavu-core`, installed by scripts/test; it covers Latin Extended, Greek and
Cyrillic). A character the font lacks is printed as "�" instead of failing the whole report. On a
machine without the font, the built-in font is used and names are transliterated ("Ayse Dogan").
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from fpdf import FPDF

__all__ = [
    "FALLBACK_FAMILY",
    "FAMILY",
    "FONT_DIRS",
    "REPLACEMENT",
    "STYLES",
    "UnicodePdf",
    "font_files",
    "transliterate",
]

FAMILY = "PraxisSans"
FALLBACK_FAMILY = "Helvetica"
REPLACEMENT = "\ufffd"
# Where Debian/Ubuntu (fonts-dejavu-core) and Fedora/Alpine put the font; the first hit wins.
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
)
STYLES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
_KEEP = frozenset("\n\r\t")


@cache
def font_files(dirs: tuple[Path, ...] = FONT_DIRS) -> dict[str, Path] | None:
    """The font file per style, or None if a style is missing everywhere."""
    for folder in dirs:
        found = {style: folder / name for style, name in STYLES.items()}
        if all(path.is_file() for path in found.values()):
            return found
    return None


def transliterate(text: str) -> str:
    """Latin-1 text for the built-in fonts: accents dropped where needed, the rest shown as "?"."""
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


class UnicodePdf(FPDF):
    """FPDF with the Unicode font registered as `FAMILY`; use `self.family` in set_font."""

    def __init__(self, *args: object, font_dirs: tuple[Path, ...] = FONT_DIRS, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        files = font_files(font_dirs)
        self.family = FALLBACK_FAMILY if files is None else FAMILY
        for style, path in (files or {}).items():
            self.add_font(FAMILY, style, str(path))

    def normalize_text(self, text: str) -> str:
        # Every text fpdf2 prints passes here: the one place where unknown characters are replaced.
        font = self.current_font
        if not self.is_ttf_font or font is None:
            return super().normalize_text(transliterate(text))
        cmap = getattr(font, "cmap", {})
        mark = REPLACEMENT if ord(REPLACEMENT) in cmap else "?"
        return "".join(c if c in _KEEP or ord(c) in cmap else mark for c in text)
