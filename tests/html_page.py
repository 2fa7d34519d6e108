"""A page's HTML read as its reader reads it: parsed by lxml and picked by CSS selectors,
so that a test names what it looks at (the row of a step, the bell's count, a column by its
heading) instead of matching regexes against markup or counting cell positions."""

from __future__ import annotations

from lxml import html as lxml_html
from lxml.html import HtmlElement


def parse(page) -> HtmlElement:
    """The document of a response (anything with `.text`) or of an HTML string."""
    return lxml_html.document_fromstring(getattr(page, "text", page))


def text(element: HtmlElement) -> str:
    """The element's text as shown: runs of whitespace read as one space."""
    return " ".join(element.text_content().split())


def every(doc: HtmlElement, css: str) -> list[HtmlElement]:
    return doc.cssselect(css)


def one(doc: HtmlElement, css: str) -> HtmlElement:
    """The one element `css` selects; an assertion naming the selector when there are 0 or 2+."""
    found = doc.cssselect(css)
    assert len(found) == 1, f"{len(found)} elements match {css!r}"
    return found[0]


def texts(doc: HtmlElement, css: str) -> list[str]:
    return [text(element) for element in doc.cssselect(css)]


def attributes(doc: HtmlElement, css: str, name: str) -> list[str]:
    return [element.get(name) for element in doc.cssselect(css)]


def cells(doc: HtmlElement, row_css: str) -> list[str]:
    """The text of each cell of the one table row `row_css` selects."""
    return [text(cell) for cell in one(doc, row_css).xpath("./td|./th")]


def by_heading(doc: HtmlElement, row_css: str) -> dict[str, str]:
    """The one row `row_css` selects, as {column heading: cell text}."""
    row = one(doc, row_css)
    table = row.xpath("ancestor::table[1]")[0]
    headings = [text(th) for th in table.xpath("./thead/tr[1]/th")]
    values = [text(cell) for cell in row.xpath("./td|./th")]
    assert len(headings) == len(values), f"{headings} against {values}"
    return dict(zip(headings, values, strict=True))
