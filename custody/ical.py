"""iCalendar (RFC 5545) text for a deadline feed. Pure: plain events in, a string out.

Written by hand because a feed of all-day events needs four properties and
two rules: text escaping (section 3.3.11) and folding lines longer than 75
octets (section 3.1), never inside a UTF-8 character.
"""

import datetime
from dataclasses import dataclass

CRLF = "\r\n"
_MAX_OCTETS = 75


@dataclass(frozen=True, slots=True)
class Event:
    """One all-day event; `alarm_days` before its day a calendar shows a reminder."""

    uid: str
    day: datetime.date
    summary: str
    description: str = ""
    url: str = ""
    alarm_days: int | None = None


def escape_text(value):
    """Escape a TEXT value: backslash, semicolon, comma and line breaks."""
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line):
    """Split a content line into CRLF + space continued pieces of at most 75 octets."""
    pieces, current, size = [], [], 0
    # Continuation lines start with a space, which counts against their 75 octets.
    limit = _MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, _MAX_OCTETS - 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces)


def _date(day):
    return day.strftime("%Y%m%d")


def _stamp(moment):
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(events, *, name, now, product="-//IP Custody Marketplace//Deadlines//EN"):
    """The whole VCALENDAR text, CRLF line ends included."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{product}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    stamp = _stamp(now)
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{_date(event.day)}",
            f"DTEND;VALUE=DATE:{_date(event.day + datetime.timedelta(days=1))}",
            f"SUMMARY:{escape_text(event.summary)}",
            "TRANSP:TRANSPARENT",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        if event.alarm_days:
            lines += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"DESCRIPTION:{escape_text(event.summary)}",
                f"TRIGGER:-P{int(event.alarm_days)}D",
                "END:VALARM",
            ]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
