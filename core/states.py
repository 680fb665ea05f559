"""State machines as data: each model lists its allowed moves; one function makes a move.

A model with a state machine declares `TRANSITIONS`, a frozenset of (from, to) pairs, beside
its `Status` choices; `None` as the source names the state a row is created in. The one
module that owns a machine (e.g. `marketplace.actions.engagements`) changes the state through
`transition()` (or checks a creation with `check()`), so a move the table does not list
fails loudly instead of slipping into the data. Tests walk every table, and an architecture
test finds no other code that assigns a status.
"""

from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import InvalidTransition


def allowed(model, source, target):
    return (source, target) in model.TRANSITIONS


def check(model, source, target):
    """Refuse a move the model's table does not list (a bug, not a user's mistake)."""
    if not allowed(model, source, target):
        raise InvalidTransition(
            _("A %(model)s cannot move from “%(source)s” to “%(target)s”.")
            % {
                "model": model._meta.verbose_name,
                "source": source or "—",
                "target": target,
            },
            code="transition_not_allowed",
        )


def transition(obj, target, *, by, action, reason="", data=None, fields=(), audit=True):
    """Move `obj.status` to `target`, save it (with `fields`) and write its audit event.

    The caller holds the row lock and has already refused, in words for the user, the
    moves its action does not allow; this is the last check. Returns the previous state.
    """
    source = obj.status
    check(type(obj), source, target)
    obj.status = target
    update = ["status", *fields]
    # A resource that syncs by updated_at (auto_now) must have it written with the move.
    if "updated_at" not in update and any(
        field.name == "updated_at" for field in obj._meta.concrete_fields
    ):
        update.append("updated_at")
    obj.save(update_fields=update)
    if audit:
        audit_record(
            actor=by,
            action=action,
            subject=obj,
            from_state=source,
            to_state=target,
            reason=reason,
            data=data,
        )
    return source


def reachable(model):
    """The states reachable from creation in the model's table (for tests and docs)."""
    seen, frontier = set(), {target for source, target in model.TRANSITIONS if source is None}
    while frontier:
        state = frontier.pop()
        seen.add(state)
        frontier |= {t for s, t in model.TRANSITIONS if s == state and t not in seen}
    return seen
