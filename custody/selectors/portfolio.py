"""The IP portfolio as each user may see it.

Each `*_visible_to(user)` returns what `user` may see; `*_get_for_user` raise Http404 outside it.
"""

from django.db.models import (
    OuterRef,
    Prefetch,
    Q,
    Subquery,
)
from django.shortcuts import get_object_or_404

from custody.models import (
    Deadline,
    IPAsset,
    PortfolioImport,
)
from custody.selectors.deadlines import deadline_firms_visible_to
from custody.selectors.scope import firm_scoped
from marketplace.selectors import engagements_visible_to


def assets_visible_to(user):
    return firm_scoped(user, IPAsset.objects.select_related("firm"))


def asset_get_for_user(*, user, asset_id):
    return get_object_or_404(assets_visible_to(user), pk=asset_id)


def portfolio_imports_visible_to(user):
    """Background imports into the portfolios `user` may see."""
    return firm_scoped(user, PortfolioImport.objects.select_related("firm"))


def portfolio_import_get_for_user(*, user, import_id, firm=None):
    qs = portfolio_imports_visible_to(user)
    if firm is not None:
        qs = qs.filter(firm=firm)
    return get_object_or_404(qs, pk=import_id)


# --- Portfolio pages ---------------------------------------------------------------------


def portfolio_firm_get_for_user(*, user, firm_id):
    """The firm whose portfolio `user` may see (the people assets_visible_to lets in), else 404.

    A firm with no asset yet still has a portfolio page, so this scopes the firm itself.
    """
    return get_object_or_404(
        deadline_firms_visible_to(user).select_related("incubator"), pk=firm_id
    )


def portfolio_assets(user, *, firm, kind="", status="", search=""):
    """The firm's assets `user` may see, each with its next open deadline; one query for the rows."""
    qs = assets_visible_to(user).filter(firm=firm)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    search = (search or "").strip()
    if search:
        # Numbers are stored compact and upper-case; people type them with spaces.
        compact = "".join(search.split()).upper()
        qs = qs.filter(
            Q(number__icontains=compact) | Q(number__icontains=search) | Q(title__icontains=search)
        )
    upcoming = Deadline.objects.filter(
        asset_id=OuterRef("pk"), done_at__isnull=True, missed_at__isnull=True
    ).order_by("due_on", "pk")
    return qs.annotate(
        next_deadline_id=Subquery(upcoming.values("pk")[:1]),
        next_deadline_kind=Subquery(upcoming.values("kind")[:1]),
        next_deadline_fee_year=Subquery(upcoming.values("fee_year")[:1]),
        next_deadline_due_on=Subquery(upcoming.values("due_on")[:1]),
    ).order_by("kind", "number", "pk")


def client_firms_visible_to(user):
    """The firms whose custody work `user` sees (an agency: the firms in its active custody),
    each with the engagements `user` may see prefetched as `visible_engagements`."""
    engagements = (
        engagements_visible_to(user)
        .select_related(None)
        .select_related("programme_year")
        .order_by("-starts_on", "-pk")
    )
    return (
        deadline_firms_visible_to(user)
        .select_related("incubator")
        .prefetch_related(
            Prefetch("engagements", queryset=engagements, to_attr="visible_engagements")
        )
    )
