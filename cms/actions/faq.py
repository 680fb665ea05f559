"""FAQ entries proposed from what people asked: drafts that go through the CMS's moderation.

A question an adviser answered in the chat becomes a new entry (the adviser's reply as its
draft answer) or one more wording of an existing entry. Either way nothing reaches the
assistant until a moderator approves it: the change is saved as a revision, unpublished,
and submitted to the FAQ's workflow ("Moderators approval"); the live entry, if any, keeps
answering as it was.
"""

from django.db import transaction
from django.utils.html import escape
from django.utils.translation import gettext as _
from wagtail.models import Locale

from cms.models import FaqEntry
from core.audit import audit_record
from core.errors import ActionError, InvalidTransition, NotAllowed

MAX_QUESTION = FaqEntry._meta.get_field("question").max_length


def _allowed(by, permission):
    if not by.is_authenticated or not by.has_perm(permission):
        raise NotAllowed(
            _("Only CMS editors and moderators can propose FAQ entries."), code="not_editor"
        )


def _required(value, field, message):
    value = (value or "").strip()
    if not value:
        raise ActionError(message, code="required", field=field)
    return value


def _rich_text(plain):
    """Plain text as the rich text of an answer: one paragraph per line, escaped."""
    return "".join(f"<p>{escape(line.strip())}</p>" for line in plain.splitlines() if line.strip())


def _submit(entry, by):
    """Save the entry's state as a revision and start its moderation workflow."""
    revision = entry.save_revision(user=by, log_action=True)
    workflow = entry.get_workflow()
    if workflow is not None:
        workflow.start(entry, by)
    return revision


@transaction.atomic
def faq_entry_propose(*, key, question, answer, language, by, category="learned"):
    """A new FAQ entry `key` in `language`, unpublished and submitted for moderation."""
    _allowed(by, "cms.add_faqentry")
    question = _required(question, "question", _("Write the question."))[:MAX_QUESTION]
    answer = _required(answer, "answer", _("Write the answer."))
    locale = Locale.objects.filter(language_code=language).first()
    if locale is None:
        raise ActionError(_("Unknown language."), code="invalid", field="language")
    if FaqEntry.objects.filter(key=key, locale=locale).exists():
        raise InvalidTransition(
            _("This question has been proposed for the FAQ already."), code="already_proposed"
        )
    entry = FaqEntry(
        key=key,
        locale=locale,
        category=category,
        question=question,
        answer=_rich_text(answer),
        live=False,
    )
    entry.full_clean()
    entry.save()
    _submit(entry, by)
    audit_record(actor=by, action="faq.proposed", subject=entry, data={"key": key})
    return entry


@transaction.atomic
def faq_alternate_propose(*, entry, text, by):
    """`text` as one more wording of `entry`, in a revision submitted for moderation."""
    _allowed(by, "cms.change_faqentry")
    text = _required(text, "text", _("Write the wording."))[:MAX_QUESTION]
    entry = FaqEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.workflow_in_progress:
        raise InvalidTransition(
            _("This FAQ entry is in review already; add the wording there."), code="in_review"
        )
    # Editors' unpublished changes are kept: the wording goes on top of the latest revision.
    draft = entry.get_latest_revision_as_object() if entry.has_unpublished_changes else entry
    known = {wording.casefold() for wording in (draft.question, *draft.alternate_list)}
    if text.casefold() in known:
        raise InvalidTransition(_("The FAQ entry has this wording already."), code="already_known")
    draft.alternates = "\n".join([*draft.alternate_list, text])
    _submit(draft, by)
    audit_record(actor=by, action="faq.alternate_proposed", subject=entry, data={"wording": text})
    return entry
