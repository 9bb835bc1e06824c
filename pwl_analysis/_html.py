"""HTML tables for Jupyter's ``_repr_html_``: escaped text, one caption, a header row."""

from __future__ import annotations

from html import escape


def html_table(caption: str, header: list[str], rows: list[list]) -> str:
    """An HTML table with every cell escaped.

    >>> html_table("a & b", ["x"], [[1]])
    '<table><caption>a &amp; b</caption><tr><th>x</th></tr><tr><td>1</td></tr></table>'
    """
    head = "<tr>" + "".join(f"<th>{escape(str(h))}</th>" for h in header) + "</tr>"
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><caption>{escape(caption)}</caption>{head}{body}</table>"
