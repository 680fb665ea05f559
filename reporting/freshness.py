"""Whether the changes committed since a snapshot was computed can have moved its figures.

Every audited change marks the data changed, and under steady writes that mark moves every
minute; recomputing every dashboard each time cost seconds of CPU a minute beside the
requests. Most writes touch nothing a dashboard reads (a person's calendar address or API
token, a webhook endpoint, a training registration), and some touch only what one kind of
dashboard reads (an IP right added to a portfolio brings its deadlines, which the programme
dashboard never counts while they are open). So the refresh job first reads the audit trail
since the snapshot was computed (or last found current) and recomputes only when one of the
events can move its figures. An action not named here moves every dashboard: a new action
costs a recomputation, never a stale figure.

The clock moves figures too (a deadline entering the at-risk window, the assistant's figures
of the last hours): reporting.snapshots recomputes every snapshot from another day or older
than its MAX_AGE whatever the trail says.
"""

import datetime

from core.models import AuditEvent
from custody.models import Deadline
from reporting.delivery import at_risk_q
from reporting.models import DashboardSnapshot

Kind = DashboardSnapshot.Kind

# Changes no dashboard reads: a person's own settings, outbound webhooks, a preview that
# stores nothing, official fee rates (no figure prices a deadline), registrations for a
# training event (only attendance counts, through service.training_counted), FAQ proposals.
NEVER = frozenset(
    {
        "calendar_feed.issued",
        "calendar_feed.revoked",
        "user.api_token_issued",
        "user.api_token_revoked",
        "user.api_tokens_revoked",
        "webhook.endpoint_created",
        "webhook.endpoint_updated",
        "webhook.endpoint_deleted",
        "webhook.secret_rotated",
        "webhook.delivery_replayed",
        "allocation.previewed",
        "officialfee.created",
        "officialfee.updated",
        "feereduction.created",
        "feereduction.updated",
        "event.registered",
        "event.waitlisted",
        "event.cancelled",
        "event.promoted",
        "faq.proposed",
        "faq.alternate_proposed",
    }
)

# The portfolio and its derived deadlines: the programme dashboard counts deadlines only once
# done or missed (the agencies' scorecards), which their own events (deadline.done,
# deadline.missed) announce; deriving them again only adds, moves or removes open ones.
PORTFOLIO = frozenset({"asset.created", "asset.updated", "deadlines.refreshed"})
NOT_READ_BY = {Kind.PROGRAMME: NEVER | PORTFOLIO, Kind.INCUBATOR: NEVER}

# An action's transaction commits this soon after it writes its audit event (actions lock a
# few rows and end): an event this much older than a computation may still have been
# uncommitted while it read, so it is read again. Longer transactions (a cohort's
# allocation) are caught by the recomputation at MAX_AGE.
COMMIT_MARGIN = datetime.timedelta(seconds=30)
# Past this many events since the last computation, recomputing is cheaper than judging them.
MOST_EVENTS = 500


def _incubator_ids(scope):
    """The incubators of a manager's scope ("incubator:4"), or None for the programme
    office's, which sees every firm (also those with no incubator)."""
    reader, _, ids = scope.partition(":")
    if reader == "programme":
        return None
    return [int(pk) for pk in ids.split(",") if pk]


def _new_assets_move(snapshot, asset_ids, today):
    """Whether an IP right added to a portfolio moved an incubator dashboard: only when one of
    the deadlines derived with it is at risk today (a new deadline is open, so it is neither
    missed nor done, and the dashboard lists no rights, only deadlines at risk)."""
    deadlines = Deadline.objects.filter(asset_id__in=asset_ids).filter(at_risk_q(today))
    incubators = _incubator_ids(snapshot.scope)
    if incubators is not None:
        deadlines = deadlines.filter(firm__incubator_id__in=incubators)
    return deadlines.exists()


def moved_since(snapshot, since, *, today):
    """Whether a change committed after `since` can have moved `snapshot`'s figures.

    Reads the audit trail from COMMIT_MARGIN before `since`: one query, and one more when IP
    rights were added (their deadlines at risk today, in the snapshot's scope).
    """
    events = list(
        AuditEvent.objects.filter(at__gte=since - COMMIT_MARGIN)
        .exclude(action__in=NOT_READ_BY[snapshot.kind])
        .order_by()
        .values_list("action", "subject_id")[: MOST_EVENTS + 1]
    )
    if len(events) > MOST_EVENTS:
        return True
    new_assets = []
    for action, subject_id in events:
        if action == "asset.created" and snapshot.kind == Kind.INCUBATOR:
            new_assets.append(int(subject_id))
            continue
        return True
    return bool(new_assets) and _new_assets_move(snapshot, new_assets, today)
