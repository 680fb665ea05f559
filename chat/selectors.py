"""Permission-checked reads of chat data."""

import statistics

from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404

from chat.models import AdviserPresence, Conversation, Message
from marketplace.models import Agency, Engagement, User


def _anonymous(user):
    return user is None or not user.is_authenticated or not user.is_active


def is_adviser(user):
    """People who answer handed-off chats: agency staff, incubator managers and officers."""
    if _anonymous(user):
        return False
    return user.is_agency_staff or user.is_incubator_manager or user.is_programme_officer


def conversations_for_visitor(*, user, session_key):
    """A visitor's own conversations: by account when logged in, else by session."""
    qs = Conversation.objects.all()
    if not _anonymous(user):
        return qs.filter(user=user)
    if not session_key:
        return qs.none()
    return qs.filter(user__isnull=True, session_key=session_key)


def conversations_for_adviser(user):
    """Conversations routed to this adviser; officers also see unclaimed tickets."""
    qs = Conversation.objects.select_related("user", "assigned_to").exclude(
        state=Conversation.State.BOT
    )
    if not is_adviser(user):
        return qs.none()
    mine = Q(assigned_to=user)
    if user.is_programme_officer:
        mine |= Q(ticket=True, assigned_to__isnull=True)
    return qs.filter(mine)


def conversation_get_for_adviser(*, user, conversation_id):
    try:
        return conversations_for_adviser(user).get(pk=conversation_id)
    except (Conversation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def conversation_current_for_visitor(*, user, session_key):
    """The visitor's latest conversation that is not resolved, if any."""
    return (
        conversations_for_visitor(user=user, session_key=session_key)
        .exclude(state=Conversation.State.RESOLVED)
        .order_by("-created_at", "-pk")
        .first()
    )


def conversation_history(conversation, limit=200):
    """The last `limit` messages, oldest first."""
    latest = list(
        conversation.messages.select_related("author").order_by("-created_at", "-pk")[:limit]
    )
    latest.reverse()
    return latest


def queue_position(conversation):
    """1 for the next conversation an adviser (or the ticket desk) will take up; None if not waiting."""
    if conversation.state != Conversation.State.QUEUED:
        return None
    waiting = Conversation.objects.filter(state=Conversation.State.QUEUED).filter(
        Q(handed_off_at__lt=conversation.handed_off_at)
        | Q(handed_off_at=conversation.handed_off_at, pk__lt=conversation.pk)
    )
    if conversation.assigned_to_id:
        waiting = waiting.filter(assigned_to_id=conversation.assigned_to_id)
    else:
        waiting = waiting.filter(assigned_to__isnull=True)
    return waiting.count() + 1


def active_load(user_ids):
    """{adviser id: queued or open conversations assigned to them}."""
    rows = (
        Conversation.objects.filter(
            assigned_to_id__in=user_ids,
            state__in=[Conversation.State.QUEUED, Conversation.State.OPEN],
        )
        .values("assigned_to_id")
        .annotate(n=Count("pk"))
    )
    load = dict.fromkeys(user_ids, 0)
    load.update({row["assigned_to_id"]: row["n"] for row in rows})
    return load


def available_advisers(users):
    """Of `users`, those online and under their concurrent limit, least busy first."""
    users = list(users)
    presences = {p.user_id: p for p in AdviserPresence.objects.filter(user__in=users, online=True)}
    load = active_load([u.pk for u in users])
    free = [u for u in users if u.pk in presences and load[u.pk] < presences[u.pk].max_concurrent]
    return sorted(free, key=lambda u: (load[u.pk], u.pk))


def transfer_targets(*, conversation, by):
    """Who may take a conversation over from `by`: only people allowed to see it.

    A firm member's conversation may hold the firm's affairs, so it goes only to its custody
    agency's staff (under a running engagement), its incubator's managers and the programme
    office, never to a rival agency. A visitor's, or a member's without a firm, may go to
    any adviser: consultants of approved agencies, incubator managers and officers.
    """
    advisers = User.objects.filter(is_active=True).exclude(pk=by.pk)
    officers = Q(role=User.Role.PROGRAMME_OFFICER)
    user = conversation.user
    firm = user.firm if user is not None and user.is_firm_member else None
    if firm is None:
        allowed = (
            officers
            | Q(role=User.Role.INCUBATOR_MANAGER)
            | Q(role=User.Role.AGENCY_STAFF, agency__status=Agency.Status.APPROVED)
        )
    else:
        agencies = Engagement.objects.filter(firm=firm, status__in=Engagement.RUNNING).values(
            "agency_id"
        )
        allowed = (
            officers
            | Q(role=User.Role.INCUBATOR_MANAGER, incubator_id=firm.incubator_id)
            | Q(role=User.Role.AGENCY_STAFF, agency_id__in=Subquery(agencies))
        )
    return advisers.filter(allowed).order_by("role", "username")


def consultants_of_approved_agencies():
    return User.objects.filter(
        role=User.Role.AGENCY_STAFF, is_active=True, agency__status=Agency.Status.APPROVED
    )


def chat_analytics(period):
    """Figures for conversations started within `period` = (start, end) datetimes.

    Deflection: conversations the assistant closed without a person; hand-off rate:
    conversations passed to a person; first response: seconds from hand-off to the
    first adviser reply (median); CSAT: the mean of the scores given.
    """
    start, end = period
    conversations = Conversation.objects.filter(created_at__gte=start, created_at__lt=end)
    total = conversations.count()
    handed = conversations.filter(handed_off_at__isnull=False)
    handed_count = handed.count()
    waits = [
        (first - handed_at).total_seconds()
        for handed_at, first in handed.filter(first_response_at__isnull=False).values_list(
            "handed_off_at", "first_response_at"
        )
    ]
    scores = list(conversations.filter(csat__isnull=False).values_list("csat", flat=True))
    bot_messages = Message.objects.filter(conversation__in=conversations, sender=Message.Sender.BOT)
    return {
        "conversations": total,
        "handoffs": handed_count,
        "answered_alone": total - handed_count,
        "handoff_rate": handed_count / total if total else 0.0,
        "deflection_rate": (total - handed_count) / total if total else 0.0,
        "tickets": handed.filter(ticket=True).count(),
        "median_first_response_seconds": statistics.median(waits) if waits else None,
        "csat_mean": statistics.fmean(scores) if scores else None,
        "csat_count": len(scores),
        "answers": bot_messages.filter(kind="answer").count(),
        "clarifications": bot_messages.filter(kind="clarify").count(),
        "fallbacks": bot_messages.filter(kind="fallback").count(),
        "thumbs_down": bot_messages.filter(feedback=Message.Feedback.DOWN).count(),
    }


def can_review_questions(user):
    return not _anonymous(user) and (user.is_programme_officer or user.is_cms_editor)


def questions_to_learn_from(user, limit=200):
    """Visitors' questions the assistant could not answer, was unsure of, or got a 👎 for.

    Newest first, each with the question the visitor asked just before the reply. For CMS
    editors and programme officers only; these are the candidates for new FAQ entries.
    """
    if not can_review_questions(user):
        return Message.objects.none()
    asked = Message.objects.filter(
        conversation=OuterRef("conversation"),
        sender=Message.Sender.USER,
        pk__lt=OuterRef("pk"),
    ).order_by("-pk")
    return (
        Message.objects.filter(sender=Message.Sender.BOT)
        .filter(Q(kind__in=["clarify", "fallback"]) | Q(feedback=Message.Feedback.DOWN))
        .annotate(question=Subquery(asked.values("text")[:1]))
        .order_by("-created_at", "-pk")[:limit]
    )


def _adviser_answers():
    asked = Message.objects.filter(
        conversation=OuterRef("conversation"),
        sender=Message.Sender.USER,
        pk__lt=OuterRef("pk"),
    ).order_by("-pk")
    return (
        Message.objects.filter(sender=Message.Sender.ADVISER)
        .annotate(question=Subquery(asked.values("text")[:1]))
        .filter(question__isnull=False)
        .select_related("conversation")
    )


def adviser_answers_to_learn_from(user, limit=100):
    """Advisers' replies, newest first, each with the visitor's message just before it
    (`question`): the candidates for a new FAQ entry or a new wording of one. For CMS
    editors and programme officers only."""
    if not can_review_questions(user):
        return Message.objects.none()
    return _adviser_answers().order_by("-created_at", "-pk")[:limit]


def adviser_answer_get(*, user, message_id):
    """One adviser reply with its question, for someone who may review questions; else 404."""
    if not can_review_questions(user) or not str(message_id).isdigit():
        raise Http404
    found = _adviser_answers().filter(pk=int(message_id)).first()
    if found is None:
        raise Http404
    return found
