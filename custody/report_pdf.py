"""The quarterly custody report as a PDF, drawn with reportlab.

Chinese text uses reportlab's built-in CID font STSong-Light: the PDF viewer
supplies the glyphs, so no font file is shipped or downloaded.

reportlab reads a Paragraph's text as markup (`<img src=…>` would embed any file the
process can read), so every paragraph is made by `_para`, which passes its text
through `pdf_text`: control characters dropped, markup escaped, right-to-left runs in
the visual order a PDF stores. No paragraph in this module is built from a raw string.
"""

import io
import unicodedata
from xml.sax.saxutils import escape

from bidi import get_display
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.formatting import money

FONT = "STSong-Light"


def _register_font():
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


# Unicode categories dropped from PDF text: controls (NUL, BEL, …; line breaks become
# spaces first), invisible format characters (byte order marks, bidi marks, which the
# visual reordering would move about) and lone surrogates, which no PDF encoding carries.
_DROPPED = {"Cc", "Cf", "Cs"}


def pdf_text(value):
    """`value` as literal text for a reportlab Paragraph: never markup, never a control."""
    text = str(value).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    text = "".join(c for c in text if unicodedata.category(c) not in _DROPPED)
    # reportlab draws characters in the order given; a PDF holds them as seen.
    return escape(get_display(text))


def _para(value, style):
    return Paragraph(pdf_text(value), style)


def _styles():
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=16, leading=21, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=body, textColor=colors.grey),
        "h2": ParagraphStyle("h2", parent=body, fontSize=12, leading=16, spaceBefore=10),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11),
    }


def _table(header, rows, styles, widths):
    data = [[_para(cell, styles["cell"]) for cell in header]]
    data += [[_para(cell, styles["cell"]) for cell in row] for row in rows]
    # A row taller than a page (a very long title) continues on the next one.
    table = Table(data, colWidths=widths, repeatRows=1, splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf5")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b8c2d0")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _day(value):
    return date_format(value, "DATE_FORMAT") if value else ""


def _fee(fee):
    """An official fee as one cell: payable, and the reduced amount where a reduction covers it."""
    if fee is None:
        return "—"
    if fee.reduced_payable is None:
        return money(fee.payable)
    return _("%(payable)s (%(reduced)s reduced)") % {
        "payable": money(fee.payable),
        "reduced": money(fee.reduced_payable),
    }


def _deadline_rows(deadlines):
    return [
        [
            str(d.asset),
            d.get_kind_display(),
            _day(d.due_on),
            _day(d.grace_ends_on),
            _fee(getattr(d, "fee", None)),
        ]
        for d in deadlines
    ]


def render_report_pdf(report):
    """The report (custody.report.firm_quarter_report) as PDF bytes, in the active language."""
    _register_font()
    styles = _styles()
    buffer = io.BytesIO()
    title = _("Custody report of %(firm)s, %(year)s Q%(quarter)s") % {
        "firm": report["firm"].name,
        "year": report["year"],
        "quarter": report["quarter"],
    }
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
    )
    story = [
        _para(title, styles["title"]),
        _para(
            _("%(first)s to %(last)s")
            % {"first": _day(report["first"]), "last": _day(report["last"])},
            styles["subtitle"],
        ),
        Spacer(1, 4 * mm),
        _para(_("Portfolio"), styles["h2"]),
        _para(
            " · ".join(f"{row['label']}: {row['count']}" for row in report["asset_counts"]),
            styles["body"],
        ),
    ]
    if report["assets"]:
        story.append(Spacer(1, 2 * mm))
        story.append(
            _table(
                [_("Asset"), _("Title"), _("Status"), _("Expires")],
                [
                    [str(a), a.title, a.get_status_display(), _day(a.expires_on)]
                    for a in report["assets"]
                ],
                styles,
                widths=[55 * mm, 65 * mm, 25 * mm, 33 * mm],
            )
        )
    deadline_header = [
        _("Asset"),
        _("Deadline"),
        _("Due on"),
        _("Grace ends on"),
        _("Official fee"),
    ]
    for heading, rows, empty in (
        (_("Deadlines met in the quarter"), report["deadlines_met"], _("None.")),
        (_("Deadlines missed in the quarter"), report["deadlines_missed"], _("None.")),
        (_("Deadlines due in the quarter, still open"), report["deadlines_open"], _("None.")),
    ):
        story.append(_para(heading, styles["h2"]))
        if rows:
            story.append(
                _table(
                    deadline_header,
                    _deadline_rows(rows),
                    styles,
                    widths=[52 * mm, 34 * mm, 26 * mm, 26 * mm, 40 * mm],
                )
            )
        else:
            story.append(_para(empty, styles["body"]))
    if report["deadlines_open"]:
        story.append(Spacer(1, 2 * mm))
        story.append(
            _para(
                _(
                    "Official fees still to pay for the quarter: %(payable)s (%(reduced)s with the fee reduction)."
                )
                % {
                    "payable": money(report["fees_open"]["payable"]),
                    "reduced": money(report["fees_open"]["reduced_payable"]),
                },
                styles["body"],
            )
        )
    story.append(_para(_("Services delivered against the quotas"), styles["h2"]))
    if not report["engagements"]:
        story.append(_para(_("No engagement ran in this quarter."), styles["body"]))
    for block in report["engagements"]:
        engagement = block["engagement"]
        story.append(
            _para(
                _("%(agency)s, %(start)s to %(end)s")
                % {
                    "agency": engagement.agency.name,
                    "start": _day(engagement.starts_on),
                    "end": _day(engagement.ends_on),
                },
                styles["body"],
            )
        )
        story.append(Spacer(1, 1.5 * mm))
        story.append(
            _table(
                [
                    _("Service"),
                    _("Quota"),
                    _("Confirmed in the quarter"),
                    _("Confirmed to date"),
                    _("Awaiting the firm"),
                ],
                [
                    [
                        row["item"].service_item.display_name,
                        row["quota"],
                        row["quarter_confirmed"],
                        row["confirmed"],
                        row["pending"],
                    ]
                    for row in block["rows"]
                ],
                styles,
                widths=[70 * mm, 18 * mm, 32 * mm, 30 * mm, 28 * mm],
            )
        )
        story.append(Spacer(1, 3 * mm))
    document.build(story)
    return buffer.getvalue()
