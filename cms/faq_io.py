"""Import and export of FAQ entries as JSON lines (one entry per line).

Fields: key, language, category, question, alternates (list of strings), answer
(plain text; blank lines separate paragraphs). Import checks every line first
and writes nothing if any is wrong; then it upserts by key and language and
publishes each new or changed entry with a revision, like an editor would.
"""

import json
import re
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Locale

from cms.faq import bump_faq_version
from cms.models import FaqEntry
from cms.models.faq import KEY_PATTERN
from cms.text import plain_to_rich_text, rich_text_to_plain
from core.formatting import join_words

FIELDS = ("key", "language", "category", "question", "alternates", "answer")
# Same key, same translation key: the languages of one question are translations of each other.
_TRANSLATION_NAMESPACE = uuid.UUID("6f1c2d1e-58a4-4c0e-9f5e-2b7f3e0c9a11")
_LIMITS = {"key": 64, "category": 40, "question": 300}


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str

    def __str__(self):
        if self.field:
            return _("line %(line)s, field %(field)s: %(message)s") % {
                "line": self.line,
                "field": self.field,
                "message": self.message,
            }
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class FaqImportError(Exception):
    """At least one line is wrong; nothing was written."""

    def __init__(self, errors):
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


@dataclass
class ImportReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)

    @property
    def total(self):
        return len(self.created) + len(self.updated) + len(self.unchanged)


def _normalise_text(text):
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def _check_line(number, raw, languages):
    """Return (entry dict, errors) for one line of the file."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        return None, [LineError(number, "", _("not valid JSON (%(error)s)") % {"error": error.msg})]
    if not isinstance(data, dict):
        return None, [LineError(number, "", _("each line must be a JSON object"))]
    errors = [LineError(number, name, _("unknown field")) for name in data if name not in FIELDS]
    entry = {}
    for name in FIELDS:
        if name not in data:
            errors.append(LineError(number, name, _("missing")))
            continue
        value = data[name]
        if name == "alternates":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors.append(LineError(number, name, _("must be a list of strings")))
                continue
            cleaned = [v.strip() for v in value]
            if any(not v or "\n" in v for v in cleaned):
                errors.append(LineError(number, name, _("each wording must be one non-empty line")))
                continue
            entry[name] = cleaned
            continue
        if not isinstance(value, str) or not value.strip():
            errors.append(LineError(number, name, _("must be a non-empty string")))
            continue
        value = _normalise_text(value)
        if name == "answer":
            # The form it is stored in and exported as, so a round trip compares equal.
            value = rich_text_to_plain(plain_to_rich_text(value))
        limit = _LIMITS.get(name)
        if limit and len(value) > limit:
            errors.append(
                LineError(number, name, _("longer than %(limit)s characters") % {"limit": limit})
            )
        elif name in ("key", "category") and not re.match(KEY_PATTERN, value):
            errors.append(
                LineError(number, name, _("use lower-case letters, digits and single hyphens"))
            )
        elif name == "language" and value not in languages:
            errors.append(
                LineError(
                    number,
                    name,
                    _("%(value)s is not one of %(languages)s")
                    % {"value": value, "languages": join_words(languages)},
                )
            )
        elif name == "question" and "\n" in value:
            errors.append(LineError(number, name, _("must be one line")))
        entry[name] = value
    return entry, errors


def read_faq_lines(lines):
    """Validate every line; return the entries, or raise FaqImportError listing each problem."""
    languages = [code for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES]
    entries, errors, seen = [], [], {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        entry, line_errors = _check_line(number, raw, languages)
        errors.extend(line_errors)
        if entry is None or line_errors:
            continue
        identity = (entry["key"], entry["language"])
        if identity in seen:
            errors.append(
                LineError(
                    number,
                    "key",
                    _("%(key)s in %(language)s is already on line %(line)s")
                    % {"key": entry["key"], "language": entry["language"], "line": seen[identity]},
                )
            )
            continue
        seen[identity] = number
        entries.append(entry)
    if errors:
        raise FaqImportError(errors)
    return entries


def _translation_key(key, existing_keys):
    return existing_keys.get(key) or uuid.uuid5(_TRANSLATION_NAMESPACE, key)


def _differs(entry, data):
    return (
        entry.category != data["category"]
        or entry.question != data["question"]
        or entry.alternate_list != data["alternates"]
        or rich_text_to_plain(entry.answer) != data["answer"]
        or not entry.live
        or entry.has_unpublished_changes
    )


@transaction.atomic
def import_faq(lines, *, user=None):
    """Upsert and publish the entries of `lines` (an iterable of JSON strings).

    Raises FaqImportError, before writing anything, when a line is wrong.
    """
    entries = read_faq_lines(lines)
    locales = {}
    for code in {entry["language"] for entry in entries}:
        locales[code], _created = Locale.objects.get_or_create(language_code=code)
    existing = {
        (entry.key, entry.locale.language_code): entry
        for entry in FaqEntry.objects.select_related("locale").filter(
            key__in={e["key"] for e in entries}
        )
    }
    translation_keys = {key: entry.translation_key for (key, _lang), entry in existing.items()}
    report = ImportReport()
    for data in entries:
        identity = (data["key"], data["language"])
        entry = existing.get(identity)
        if entry is not None and not _differs(entry, data):
            report.unchanged.append(identity)
            continue
        if entry is None:
            entry = FaqEntry(
                key=data["key"],
                locale=locales[data["language"]],
                translation_key=_translation_key(data["key"], translation_keys),
            )
            translation_keys.setdefault(data["key"], entry.translation_key)
            report.created.append(identity)
        else:
            report.updated.append(identity)
        entry.category = data["category"]
        entry.question = data["question"]
        entry.alternates = "\n".join(data["alternates"])
        entry.answer = plain_to_rich_text(data["answer"])
        entry.full_clean()
        entry.save()
        entry.save_revision(user=user, log_action=True).publish(user=user)
    bump_faq_version()
    return report


def export_faq(*, include_drafts=False):
    """The entries as JSON lines in the import format, ordered by key then language."""
    order = {code: n for n, (code, _name) in enumerate(settings.WAGTAIL_CONTENT_LANGUAGES)}
    entries = FaqEntry.objects.select_related("locale")
    if not include_drafts:
        entries = entries.filter(live=True)
    rows = sorted(entries, key=lambda e: (e.key, order.get(e.locale.language_code, 99)))
    for entry in rows:
        yield json.dumps(
            {
                "key": entry.key,
                "language": entry.locale.language_code,
                "category": entry.category,
                "question": entry.question,
                "alternates": entry.alternate_list,
                "answer": rich_text_to_plain(entry.answer),
            },
            ensure_ascii=False,
        )
