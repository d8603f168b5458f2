"""The forms Orion prints (the trunking order form, the letter of authorization): one page
layout, one fact table, and every value printed literally.

ReportLab's ``Paragraph`` parses its text as an XML mini-language (``<a href>``, ``<img src>``,
``<font>``), so a value typed by a partner goes through ``literal`` first. Unescaped,
``Needs <10 seats`` broke a form (a 500), ``<a href=...>`` put a link into the provider's form
and ``<img src=...>`` embedded a file from the server's disk.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

STYLES = getSampleStyleSheet()
_GRID = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONTSIZE", (0, 0), (-1, -1), 9)])


def literal(value: object) -> str:
    """``value`` as Paragraph markup that prints exactly that text, line breaks included."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return escape(text).replace("\n", "<br/>")


def facts_table(rows: list[tuple[str, str]], *, label_width: float = 1.8) -> Table:
    """Label | value rows in a grid; values printed literally ("-" when empty)."""
    table = Table([[k, Paragraph(literal(v or "-"), STYLES["BodyText"])] for k, v in rows],
                  colWidths=[label_width * inch, (7.0 - label_width) * inch])
    table.setStyle(_GRID)
    return table


def pdf_render(*, title: str, story: list[Any]) -> bytes:
    """The story on US Letter pages with Orion's margins, as PDF bytes."""
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=LETTER, title=title,
                            leftMargin=0.7 * inch, rightMargin=0.7 * inch,
                            topMargin=0.6 * inch, bottomMargin=0.6 * inch)
    doc.build(story)
    return buffer.getvalue()
