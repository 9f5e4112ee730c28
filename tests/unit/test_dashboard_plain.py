"""plain() (dashboard/runtime.py): data shown in a markdown element renders as exactly its text."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from dashboard.runtime import plain

# CommonMark plus the GFM parts Streamlit renders; GFM's bare-URL links are checked separately,
# the way remark-gfm finds them: in the text after escapes are resolved.
_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_GFM_URL = re.compile(r"(?i)https?://|www(?=\.)")
_TAG = re.compile(r"<[^>]+>")


def rendered(markdown: str) -> tuple[str, str]:
    """The HTML a markdown renderer makes, and the visible text (word joiners kept)."""
    page = _MD.render(markdown)
    return page, html.unescape(_TAG.sub("", page)).strip()


def live_markup(markdown: str) -> list[str]:
    """What in `markdown` would not show as text: links, images, emphasis, headings, lists, bare URLs."""
    page, text = rendered(markdown)
    found = re.findall(r"<(a|img|em|strong|code|h\d|li|hr|table|del|blockquote)\b", page)
    return found + _GFM_URL.findall(text)


@pytest.mark.parametrize(
    "typed",
    [
        "[Login](http://x.test)",
        "![Bild](http://x.test/a.png)",
        "<http://x.test>",
        "http://x.test/login",
        "www.x.test",
        "**fett** _kursiv_ `code` ~~weg~~",
        "# Überschrift",
        "1. Mahnung",
        "- Punkt",
        "Zeile\n---",
        "> Zitat",
        "a | b\n--|--\n1 | 2",
        "<b>html</b>",
    ],
)
def test_typed_text_shows_as_itself_and_never_as_markup(typed: str) -> None:
    shown = plain(typed)
    assert live_markup(shown) == []
    visible = rendered(shown)[1].replace("\u2060", "")
    assert visible.split() == typed.split()


def test_the_check_finds_markup_in_unescaped_text() -> None:
    assert live_markup("[Login](http://x.test)") == ["a"]
    assert live_markup("siehe http://x.test") == ["http://"]
    assert live_markup("R-1 www.x.test") == ["www"]
