"""The firm's IP portfolio: assets added and edited, with the deadlines they imply.

Deadlines are never typed in: they are derived from the assets by custody.deadlines and
written here, in the same transaction as the change that caused them, with an audit event.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actions.tombstones import tombstones_record
from core.audit import audit_record
from core.errors import NotAllowed
from custody import deadlines
from custody.models import Deadline, IPAsset
from marketplace.models import Engagement

ASSET_FIELDS = (
    "kind",
    "number",
    "title",
    "status",
    "filing_date",
    "grant_date",
    "registration_date",
    "nice_classes",
    "expiry_override",
    "joint_owners",
)


def can_edit_portfolio(user, firm):
    """A member of the firm, or staff of an agency with an active engagement for it."""
    if user is None:
        # Management commands and tasks act for the system.
        return True
    if user.is_firm_member:
        return user.firm_id == firm.pk
    if user.is_agency_staff:
        return Engagement.objects.filter(
            firm=firm, agency_id=user.agency_id, status=Engagement.Status.ACTIVE
        ).exists()
    return False


def _check_can_edit(by, firm):
    if not can_edit_portfolio(by, firm):
        raise NotAllowed(
            _("Only the firm or its custody agency can change this portfolio."),
            code="portfolio_not_allowed",
        )


def _unknown_fields(fields):
    unknown = set(fields) - set(ASSET_FIELDS)
    if unknown:
        raise ValueError(f"not asset fields: {', '.join(sorted(unknown))}")


def _refresh_asset(asset, *, today, keep_past=False):
    """Write the asset's deadlines as the rules give them today; returns (created, updated, removed).

    Open deadlines the rules no longer give are removed (the facts changed), except missed ones,
    which are the record of what went wrong, and, with `keep_past` (the daily job), open ones
    whose last day has passed: the missed-deadline job flags those.
    """
    specs = deadlines.deadlines_for(asset.facts(), today)
    existing = {(d.kind, d.original_due_on): d for d in asset.deadlines.all()}
    created = updated = 0
    wanted = set()
    for spec in specs:
        key = (spec.kind, spec.original_due_on)
        wanted.add(key)
        fields = Deadline.fields_from_spec(spec)
        current = existing.get(key)
        if current is None:
            Deadline.objects.create(
                asset=asset,
                firm_id=asset.firm_id,
                kind=spec.kind,
                original_due_on=spec.original_due_on,
                **fields,
            )
            created += 1
        elif any(getattr(current, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(current, name, value)
            current.save()
            updated += 1
    # Done and missed deadlines stay as the record; open ones the rules no longer give go.
    stale = [
        d.pk
        for key, d in existing.items()
        if key not in wanted
        and d.done_at is None
        and d.missed_at is None
        and not (keep_past and (d.grace_ends_on or d.due_on) < today)
    ]
    if stale:
        Deadline.objects.filter(pk__in=stale).delete()
        tombstones_record(
            resource="deadlines",
            object_ids=stale,
            firm_id=asset.firm_id,
            incubator_id=asset.firm.incubator_id,
        )
    return created, updated, len(stale)


@transaction.atomic
def asset_create(*, firm, by, fields, today=None):
    """Add an asset to the firm's portfolio and derive its deadlines."""
    _unknown_fields(fields)
    _check_can_edit(by, firm)
    asset = IPAsset(firm=firm, **fields)
    asset.full_clean()
    asset.save()
    created, _updated, _removed = _refresh_asset(asset, today=today or timezone.localdate())
    audit_record(
        actor=by,
        action="asset.created",
        subject=asset,
        to_state=asset.status,
        data={"number": asset.number, "deadlines": created},
    )
    return asset


@transaction.atomic
def asset_update(*, asset, by, changes, today=None):
    """Change an asset's facts and re-derive its deadlines."""
    _unknown_fields(changes)
    asset = IPAsset.objects.select_for_update().get(pk=asset.pk)
    _check_can_edit(by, asset.firm)
    before = {name: getattr(asset, name) for name in changes}
    for name, value in changes.items():
        setattr(asset, name, value)
    asset.full_clean()
    changed = {
        name: [str(before[name]), str(getattr(asset, name))]
        for name in changes
        if before[name] != getattr(asset, name)
    }
    if not changed:
        return asset
    asset.save()
    created, updated, removed = _refresh_asset(asset, today=today or timezone.localdate())
    audit_record(
        actor=by,
        action="asset.updated",
        subject=asset,
        from_state=before.get("status", asset.status),
        to_state=asset.status,
        data={
            "changed": changed,
            "deadlines": {"created": created, "updated": updated, "removed": removed},
        },
    )
    return asset


@transaction.atomic
def deadlines_refresh_for_firm(*, firm, by=None, today=None):
    """Re-derive every deadline of the firm's portfolio, e.g. once a new year's holidays are declared."""
    _check_can_edit(by, firm)
    today = today or timezone.localdate()
    totals = [0, 0, 0]
    assets = IPAsset.objects.select_for_update().filter(firm=firm).prefetch_related("deadlines")
    for asset in assets:
        for index, count in enumerate(_refresh_asset(asset, today=today)):
            totals[index] += count
    created, updated, removed = totals
    if created or updated or removed:
        audit_record(
            actor=by,
            action="deadlines.refreshed",
            subject=firm,
            data={"created": created, "updated": updated, "removed": removed},
        )
    return {"created": created, "updated": updated, "removed": removed}


def deadlines_refresh_all(*, today=None, batch_size=200):
    """Keep every in-force right's next deadlines on the board (the daily job).

    Re-derives each patent's and trademark's deadlines as of `today`: fees that came within the
    horizon appear, provisional dates are recomputed once the holiday calendar knows their year,
    trademark renewals roll to the current term. Each asset is refreshed under its own row lock,
    so two runs at once write each deadline once; returns the totals.
    """
    today = today or timezone.localdate()
    totals = {"assets": 0, "created": 0, "updated": 0, "removed": 0}
    ids = list(
        IPAsset.objects.filter(
            status=IPAsset.Status.IN_FORCE, kind__in=[IPAsset.Kind.PATENT, IPAsset.Kind.TRADEMARK]
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            assets = (
                IPAsset.objects.select_for_update(of=("self",))
                .filter(pk__in=ids[start : start + batch_size], status=IPAsset.Status.IN_FORCE)
                .prefetch_related("deadlines")
                .order_by("pk")
            )
            for asset in assets:
                created, updated, removed = _refresh_asset(asset, today=today, keep_past=True)
                totals["assets"] += 1
                totals["created"] += created
                totals["updated"] += updated
                totals["removed"] += removed
                if created or updated or removed:
                    audit_record(
                        actor=None,
                        action="deadlines.refreshed",
                        subject=asset,
                        data={"created": created, "updated": updated, "removed": removed},
                    )
    return totals
