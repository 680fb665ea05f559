"""`Idempotency-Key` on every POST of a signed-in caller (core.actions.idempotency).

The first request with a key runs and its answer is kept for 24 hours; the same key with the
same body (and address) gets that answer again, with `Idempotent-Replayed: true`; the same key
with another body is a 422 problem; a retry while the first still runs is a 409 problem.
A server error keeps nothing, so the retry runs again.
"""

import hashlib
import json

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core.actions.idempotency import (
    KeyInUse,
    KeyReused,
    idempotency_claim,
    idempotency_record,
    idempotency_release,
)
from core.api.exceptions import ProblemError
from core.api.problems import field_error

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class _Replay(Exception):  # noqa: N818 — not an error: the stored answer travels in it
    def __init__(self, response):
        super().__init__("replay")
        self.response = response


def _file_digest(upload):
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return {"name": upload.name, "size": upload.size, "sha256": digest.hexdigest()}


def _canonical(data):
    """The parsed body as a stable structure: files by name, size and content digest."""
    if hasattr(data, "lists"):  # a QueryDict of a multipart body, files included
        return {
            key: [_file_digest(v) if isinstance(v, UploadedFile) else v for v in values]
            for key, values in sorted(data.lists())
        }
    return data


def fingerprint(request):
    """What makes two requests the same: method, path and body."""
    body = json.dumps(_canonical(request.data), cls=JSONEncoder, sort_keys=True)
    text = f"{request.method} {request.path_info}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def _key(request):
    key = request.headers.get(HEADER)
    if key is None or request.method != "POST":
        return None
    user = request.user
    if not (user and user.is_authenticated):
        return None  # keys are kept per user; an anonymous call has no one to keep them for
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        message = _("Give 1 to %(max)d printable ASCII characters.") % {"max": MAX_KEY_LENGTH}
        raise ProblemError(
            message,
            status_code=status.HTTP_400_BAD_REQUEST,
            code="invalid",
            errors=[field_error(HEADER, message)],
        )
    return key


class IdempotentMixin:
    """For API views: honours the Idempotency-Key header on POST."""

    _idempotency_claim = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = _key(request)
        if key is None:
            return
        try:
            claim, stored = idempotency_claim(
                user=request.user, key=key, fingerprint=fingerprint(request)
            )
        except KeyReused:
            raise ProblemError(
                _("This Idempotency-Key was used for another request; use a new key."),
                status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
                code="idempotency_key_reused",
            ) from None
        except KeyInUse:
            raise ProblemError(
                _("A request with this Idempotency-Key is still being processed; retry later."),
                status_code=status.HTTP_409_CONFLICT,
                code="idempotency_key_in_use",
            ) from None
        if stored is not None:
            raise _Replay(
                Response(
                    stored.response_body,
                    status=stored.response_status,
                    content_type=stored.response_content_type or None,
                    headers={"Idempotent-Replayed": "true"},
                )
            )
        self._idempotency_claim = claim

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except BaseException:
            if self._idempotency_claim is not None:
                idempotency_release(claim=self._idempotency_claim)
                self._idempotency_claim = None
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        claim, self._idempotency_claim = self._idempotency_claim, None
        if claim is not None:
            if response.status_code >= 500:
                idempotency_release(claim=claim)
            else:
                body = json.loads(json.dumps(getattr(response, "data", None), cls=JSONEncoder))
                idempotency_record(
                    claim=claim,
                    status=response.status_code,
                    body=body,
                    content_type=getattr(response, "content_type", None),
                )
        return response
