"""The advisers' inbox: the same actions as the adviser WebSocket, for plain HTML forms."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from chat import actions, selectors
from chat import index as chat_index
from chat.models import Conversation
from cms import actions as cms_actions
from cms import faq
from core.errors import ActionError
from marketplace.models import User

CANNED_REPLIES = [
    _("Hello, I am your adviser. How can I help you?"),
    _("Could you tell me the application or registration number?"),
    _("I will look into this and get back to you within one working day."),
    _("Is there anything else I can help you with?"),
]


def adviser_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not selectors.is_adviser(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _open_conversations(user):
    return selectors.conversations_for_adviser(user).exclude(state=Conversation.State.RESOLVED)


@adviser_required
def inbox(request):
    """Conversations routed to the adviser; htmx refreshes the list every few seconds."""
    context = {"conversations": _open_conversations(request.user)[:100]}
    if request.htmx:
        return render(request, "chat/_inbox_list.html", context)
    return render(request, "chat/inbox.html", context)


@adviser_required
def conversation_detail(request, conversation_id):
    conversation = selectors.conversation_get_for_adviser(
        user=request.user, conversation_id=conversation_id
    )
    context = {
        "conversation": conversation,
        "history": selectors.conversation_history(conversation),
        "canned_replies": CANNED_REPLIES,
        "transfer_targets": selectors.transfer_targets(conversation=conversation, by=request.user)[
            :200
        ],
    }
    if request.htmx:
        return render(request, "chat/_messages.html", context)
    return render(request, "chat/conversation.html", context)


def _act(request, conversation_id, run, done):
    conversation = selectors.conversation_get_for_adviser(
        user=request.user, conversation_id=conversation_id
    )
    try:
        run(conversation)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("chat:conversation", conversation_id=conversation.pk)


@require_POST
@adviser_required
def claim(request, conversation_id):
    return _act(
        request,
        conversation_id,
        lambda c: actions.adviser_claim(conversation=c, by=request.user),
        _("You have taken the conversation up."),
    )


@require_POST
@adviser_required
def reply(request, conversation_id):
    text = request.POST.get("text", "").strip()
    canned = request.POST.get("canned", "")
    if not text and canned.isdigit() and int(canned) < len(CANNED_REPLIES):
        text = str(CANNED_REPLIES[int(canned)])
    return _act(
        request,
        conversation_id,
        lambda c: actions.adviser_reply(conversation=c, by=request.user, text=text),
        _("Reply sent."),
    )


def _number(value):
    return int(value) if str(value or "").isdigit() else 0


@require_POST
@adviser_required
def transfer(request, conversation_id):
    conversation = selectors.conversation_get_for_adviser(
        user=request.user, conversation_id=conversation_id
    )
    target = User.objects.filter(pk=_number(request.POST.get("to"))).first()
    try:
        actions.transfer(conversation=conversation, by=request.user, to=target)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("chat:conversation", conversation_id=conversation.pk)
    messages.success(request, _("The conversation was transferred."))
    return redirect("chat:inbox")


@require_POST
@adviser_required
def resolve(request, conversation_id):
    conversation = selectors.conversation_get_for_adviser(
        user=request.user, conversation_id=conversation_id
    )
    try:
        actions.resolve(conversation=conversation, by=request.user)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("chat:conversation", conversation_id=conversation.pk)
    messages.success(request, _("The conversation was resolved."))
    return redirect("chat:inbox")


@login_required
def analytics(request):
    """The assistant's figures for programme officers, over the last `days` days."""
    if not request.user.is_programme_officer:
        raise PermissionDenied
    try:
        days = min(max(int(request.GET.get("days", 30)), 1), 366)
    except ValueError:
        days = 30
    end = timezone.now()
    figures = selectors.chat_analytics((end - datetime.timedelta(days=days), end))
    return render(request, "chat/analytics.html", {"figures": figures, "days": days})


@login_required
def learning(request):
    """Questions the FAQ does not answer well yet, each one click from a new FAQ entry."""
    if not selectors.can_review_questions(request.user):
        raise PermissionDenied
    loaded = chat_index.current()
    return render(
        request,
        "chat/learning.html",
        {
            "rows": selectors.questions_to_learn_from(request.user),
            "answered": selectors.adviser_answers_to_learn_from(request.user),
            # One choice per published key, worded in the reader's language where it can be.
            "faq_keys": [
                (key, chat_index.entry(loaded, key, request.LANGUAGE_CODE)["question"])
                for key in sorted({key for key, _language in loaded.entries})
            ],
        },
    )


@require_POST
@login_required
def learn(request, message_id):
    """One click: an adviser's reply becomes a draft FAQ entry (the visitor's question and
    the reply), or the visitor's question one more wording of the entry chosen; either goes
    to the CMS's moderation, and the editor lands on it in the CMS."""
    answer = selectors.adviser_answer_get(user=request.user, message_id=message_id)
    language = answer.conversation.language
    try:
        if request.POST.get("as") == "alternate":
            key = request.POST.get("key", "")
            entry = faq.faq_entry_get(key, language) or faq.faq_entry_get(key, "zh-hans")
            if entry is None:
                raise ActionError(_("Choose the FAQ entry."), code="required", field="key")
            cms_actions.faq_alternate_propose(entry=entry, text=answer.question, by=request.user)
            done = _("The wording was added to the FAQ entry and sent for review.")
        else:
            entry = cms_actions.faq_entry_propose(
                key=f"learned-{answer.pk}",
                question=answer.question,
                answer=answer.text,
                language=language,
                by=request.user,
            )
            done = _("A draft FAQ entry was made from the adviser's answer and sent for review.")
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("chat:learning")
    messages.success(request, done)
    return redirect(reverse("wagtailsnippets_cms_faqentry:edit", args=[entry.pk]))


@never_cache
def session_start(request):
    """Give an anonymous visitor a session cookie before the widget opens its socket.

    A WebSocket cannot set cookies, so without this an anonymous conversation would not
    survive a reconnect.
    """
    if not request.user.is_authenticated and not request.session.session_key:
        request.session["chat"] = True
    return HttpResponse(status=204)
