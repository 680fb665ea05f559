"""The guide for agencies' developers: served by the product in the reader's language."""

from pathlib import Path

from django.shortcuts import render

from webhooks import signing, verification
from webhooks.actions.deliveries import LONGEST_WAIT_SECONDS, RETRY_FOR
from webhooks.models import EventType

# The verification snippet is the module the tests run, printed as it is.
_SNIPPET = Path(verification.__file__).read_text(encoding="utf-8")


def api_guide(request):
    return render(
        request,
        "frontend/developers/guide.html",
        {
            "snippet": _SNIPPET,
            "event_types": EventType.choices,
            "tolerance": verification.TOLERANCE_SECONDS,
            "retry_hours": int(RETRY_FOR.total_seconds() // 3600),
            "longest_wait_minutes": LONGEST_WAIT_SECONDS // 60,
            "headers": {
                "signature": signing.SIGNATURE_HEADER,
                "timestamp": signing.TIMESTAMP_HEADER,
                "event_id": signing.EVENT_ID_HEADER,
                "event_type": signing.EVENT_TYPE_HEADER,
            },
        },
    )
