"""Evidence uploads: checked by content, not by name, before anything is stored.

A file is accepted when its bytes are one of the allowed document or image
types and its extension names that same type: an HTML page or an executable
renamed .pdf is refused, and so is a PNG called .pdf.
"""

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from custody.models import EvidenceFile

# Detected type → the extensions a file of that type may carry.
ALLOWED_TYPES = {
    "application/pdf": {"pdf"},
    "image/png": {"png"},
    "image/jpeg": {"jpg", "jpeg"},
    "image/gif": {"gif"},
    "image/webp": {"webp"},
    "application/msword": {"doc"},
    "application/vnd.ms-excel": {"xls"},
    "application/vnd.ms-powerpoint": {"ppt"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {"docx"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"xlsx"},
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": {"pptx"},
    "application/vnd.oasis.opendocument.text": {"odt"},
    "application/vnd.oasis.opendocument.spreadsheet": {"ods"},
    "application/vnd.oasis.opendocument.presentation": {"odp"},
}
ACCEPT_ATTRIBUTE = ",".join(
    sorted(f".{ext}" for extensions in ALLOWED_TYPES.values() for ext in extensions)
)
# Enough bytes for every signature filetype reads, office containers included.
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class CheckedFile:
    upload: object
    name: str
    content_type: str
    size: int
    sha256: str


def max_bytes():
    return settings.CUSTODY_EVIDENCE_MAX_BYTES


def check_evidence(upload):
    """Return a CheckedFile for an uploaded file, or raise ValidationError saying why not."""
    name = PurePath(upload.name or "").name[:200]
    if upload.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")
    if upload.size > max_bytes():
        raise ValidationError(
            _("%(name)s is %(size)s; evidence files may be at most %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(max_bytes()),
            },
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    # Office Open XML files are zip archives: filetype tells them apart by their parts.
    kind = filetype.guess(head)
    extension = PurePath(name).suffix.lower().lstrip(".")
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError(
            _(
                "%(name)s is not a PDF, an image or an office document "
                "(its content was checked, not its name)."
            )
            % {"name": name},
            code="bad_type",
        )
    if extension not in ALLOWED_TYPES[kind.mime]:
        raise ValidationError(
            _("%(name)s is named .%(extension)s but its content is %(kind)s.")
            % {"name": name, "extension": extension or "?", "kind": kind.extension.upper()},
            code="disguised",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(
        upload=upload,
        name=name,
        content_type=kind.mime,
        size=upload.size,
        sha256=digest.hexdigest(),
    )


def check_all(uploads):
    """Check every file first, so that one bad file stores none; errors name each file."""
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append(check_evidence(upload))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return checked


def store(checked_files, *, by, service_record=None, deadline=None):
    """Write checked files as EvidenceFile rows, inside the action's transaction.

    Call it as the action's last write: if storing one file fails, the files
    already written are removed and the exception rolls the rows back.
    """
    stored = []
    try:
        for checked in checked_files:
            evidence = EvidenceFile(
                name=checked.name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                service_record=service_record,
                deadline=deadline,
                uploaded_by=by,
            )
            evidence.file.save(checked.name, checked.upload, save=False)
            stored.append(evidence)
            evidence.save()
    except BaseException:
        _remove_files(stored)
        raise
    return stored


def _remove_files(evidence_files):
    for evidence in evidence_files:
        if evidence.file.name:
            evidence.file.storage.delete(evidence.file.name)
