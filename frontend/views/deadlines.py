"""The deadline board: an agency's clients' deadlines, a firm's own, read-only for managers
and the office; marking one done with evidence; the user's secret calendar feed."""

from django import forms
from django.contrib import messages
from django.forms.utils import flatatt
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from core.errors import ActionError
from custody import actions, evidence, ical, reminders, selectors
from custody.models import CalendarFeed, Deadline
from frontend.forms import BootstrapMixin
from frontend.views.access import paginate, role_required

READERS = ("firm_member", "agency_staff", "incubator_manager", "programme_officer")
# The firm and its custody agency act on deadlines; managers and the office only read.
ACTORS = ("firm_member", "agency_staff")


class QuickSelect(forms.Select):
    """A select rendered in Python: through the option templates, 300 clients cost ~20 ms a page."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(key), " selected" if str(key) in selected else "", label)
                for key, label in self.choices
            ),
        )
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html("<select{}>{}</select>", flatatt(final), options)


class DeadlineFilterForm(BootstrapMixin, forms.Form):
    """The board's filters; invalid values are ignored rather than refused."""

    STATES = [
        ("", gettext_lazy("Open")),
        ("done", gettext_lazy("Done")),
        ("missed", gettext_lazy("Missed")),
        ("all", gettext_lazy("All")),
    ]

    firm = forms.ModelChoiceField(
        label=gettext_lazy("Firm"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("All firms"),
        widget=QuickSelect,
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[("", gettext_lazy("All")), *Deadline.Kind.choices],
        required=False,
    )
    state = forms.ChoiceField(label=gettext_lazy("State"), choices=STATES, required=False)
    within = forms.IntegerField(
        label=gettext_lazy("Due within (days)"), min_value=1, max_value=3650, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firm"].queryset = selectors.deadline_firms_visible_to(user).only("pk", "name")
        if user.is_firm_member:
            del self.fields["firm"]

    @property
    def is_filtered(self):
        return self.is_valid() and any(
            value not in (None, "") for value in self.cleaned_data.values()
        )

    def values(self):
        data = self.cleaned_data if self.is_valid() else {}
        firm = data.get("firm")
        return {
            "firm_id": firm.pk if firm else None,
            "kind": data.get("kind", ""),
            "state": data.get("state") or "open",
            "within_days": data.get("within"),
        }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceFilesField(forms.Field):
    """Any number of files; custody.evidence checks them by content in the action."""

    widget = MultipleFileInput

    def clean(self, value):
        return [upload for upload in (value or []) if upload]


class DeadlineDoneForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What was done"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("E.g. the fee paid, its receipt number, the filing made."),
    )
    files = EvidenceFilesField(
        label=gettext_lazy("Evidence files"),
        required=False,
        help_text=gettext_lazy("PDF, images or office documents; each is checked by its content."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].widget.attrs["accept"] = evidence.ACCEPT_ATTRIBUTE


def _state(deadline, today):
    """A row's state label and Bootstrap tone, from the board's urgency bucket."""
    bucket = getattr(deadline, "urgency", None)
    if bucket is None:
        bucket = reminders.urgency(
            due_on=deadline.due_on,
            done=deadline.done_at is not None,
            missed=deadline.missed_at is not None,
            today=today,
        )
    if bucket == reminders.DONE:
        return _("Done"), "success"
    if bucket == reminders.MISSED:
        return _("Missed"), "dark"
    if bucket == reminders.OVERDUE:
        if deadline.grace_ends_on and today <= deadline.grace_ends_on:
            return _("In grace"), "danger"
        return _("Past its last day"), "danger"
    days = (deadline.due_on - today).days
    label = ngettext("Due in %(days)d day", "Due in %(days)d days", days) % {"days": days}
    return label, "warning" if days <= 30 else "secondary"


def _firm_url(user, deadline):
    if user.is_agency_staff:
        engagement_id = getattr(deadline, "engagement_id", None)
        if engagement_id:
            return reverse("frontend:engagement-detail", args=[engagement_id])
        return None
    return reverse("frontend:firm-detail", args=[deadline.firm_id])


def _feed_context(request):
    feed = CalendarFeed.objects.filter(user=request.user).first()
    url = (
        request.build_absolute_uri(reverse("frontend:calendar-feed", args=[feed.token]))
        if feed
        else ""
    )
    return {"feed": feed, "feed_url": url}


@role_required(*READERS)
def deadline_board(request):
    user = request.user
    today = timezone.localdate()
    filters = DeadlineFilterForm(request.GET or None, user=user)
    page = paginate(request, selectors.deadline_board(user, today=today, **filters.values()))
    rows = []
    for deadline in selectors.with_fees(page.object_list, today=today):
        label, tone = _state(deadline, today)
        rows.append(
            {
                "deadline": deadline,
                "state": label,
                "tone": tone,
                "firm_url": _firm_url(user, deadline),
            }
        )
    return render(
        request,
        "frontend/deadlines/board.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "today": today,
            "can_act": user.is_firm_member or user.is_agency_staff,
            **_feed_context(request),
        },
    )


def _detail(request, deadline, *, form=None, status=200):
    today = timezone.localdate()
    selectors.with_fees([deadline], today=today)
    label, tone = _state(deadline, today)
    can_mark = (
        deadline.done_at is None
        and deadline.missed_at is None
        and actions.can_mark_done(request.user, deadline)
    )
    return render(
        request,
        "frontend/deadlines/detail.html",
        {
            "deadline": deadline,
            "state": label,
            "tone": tone,
            "today": today,
            "evidence": selectors.evidence_visible_to(request.user).filter(deadline=deadline),
            "form": form or (DeadlineDoneForm() if can_mark else None),
            "can_mark": can_mark,
        },
        status=status,
    )


@role_required(*READERS)
def deadline_detail(request, deadline_id):
    deadline = selectors.deadline_get_for_user(user=request.user, deadline_id=deadline_id)
    return _detail(request, deadline)


@require_POST
@role_required(*ACTORS)
def deadline_done(request, deadline_id):
    deadline = selectors.deadline_get_for_user(user=request.user, deadline_id=deadline_id)
    form = DeadlineDoneForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.deadline_mark_done(
                deadline=deadline,
                by=request.user,
                note=form.cleaned_data["note"],
                files=form.cleaned_data["files"],
            )
        except ActionError as error:
            if error.status_code == 403:
                raise
            form.add_action_error(error)
        else:
            messages.success(request, _("The deadline is marked done."))
            return redirect("frontend:deadline-detail", deadline_id=deadline.pk)
    deadline.refresh_from_db()
    return _detail(request, deadline, form=form, status=400)


@require_GET
@role_required(*READERS)
def deadline_evidence(request, deadline_id, evidence_id):
    """An evidence file of a deadline, only to those who may see the deadline."""
    deadline = selectors.deadline_get_for_user(user=request.user, deadline_id=deadline_id)
    item = selectors.evidence_get_for_user(user=request.user, evidence_id=evidence_id)
    if item.deadline_id != deadline.pk:
        raise Http404
    return FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.name,
        content_type=item.content_type,
    )


@require_POST
@role_required(*READERS)
def calendar_feed_issue(request):
    try:
        actions.calendar_feed_issue(user=request.user)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your calendar address is ready; copy it into your calendar."))
    return redirect(reverse("frontend:deadline-board") + "#calendar")


@require_POST
@role_required(*READERS)
def calendar_feed_revoke(request):
    try:
        actions.calendar_feed_revoke(user=request.user)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The old calendar address no longer works; here is a new one."))
    return redirect(reverse("frontend:deadline-board") + "#calendar")


def _describe(deadline):
    parts = [_("Due on %(day)s.") % {"day": deadline.due_on.isoformat()}]
    if deadline.grace_ends_on:
        parts.append(_("Grace until %(day)s.") % {"day": deadline.grace_ends_on.isoformat()})
    for step in deadline.surcharges or []:
        parts.append(
            _("Paid by %(until)s: surcharge %(percent)d%%.")
            % {"until": step["until"], "percent": step["percent"]}
        )
    if deadline.provisional:
        parts.append(_("Provisional: the holidays of that year are not declared yet."))
    if deadline.done_at:
        parts.append(_("Done."))
    elif deadline.missed_at:
        parts.append(_("Missed."))
    return "\n".join(parts)


@require_GET
def calendar_feed(request, token):
    """The secret iCal address: no login, the token is the key; a revoked one is a 404."""
    feed = selectors.calendar_feed_get(token=token)
    today = timezone.localdate()
    with translation.override(translation.get_language_from_request(request)):
        events = [
            ical.Event(
                uid=f"deadline-{deadline.pk}@ip-custody-marketplace",
                day=deadline.due_on,
                summary=f"{deadline.get_kind_display()} · {deadline.asset.number} · {deadline.firm.name}",
                description=_describe(deadline),
                url=request.build_absolute_uri(
                    reverse("frontend:deadline-detail", args=[deadline.pk])
                ),
                alarm_days=7 if deadline.done_at is None and deadline.missed_at is None else None,
            )
            for deadline in selectors.calendar_feed_deadlines(feed, today=today)
        ]
        body = ical.calendar(events, name=_("IP deadlines"), now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response
