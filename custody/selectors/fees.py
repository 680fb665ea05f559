"""Official fees as pages, reports and the API show them: what each deadline asks to pay (with
and without the fee reduction), and what keeping a firm's portfolio costs over five years.

The table is read once per call (two small queries) and priced by the pure `custody.fees`.
"""

import datetime

from custody import deadlines, fees
from custody.models import Deadline, FeeReduction, IPAsset, OfficialFee
from custody.selectors.portfolio import assets_visible_to


def fee_table():
    """The official fee table as plain data."""
    return fees.FeeTable(
        rates=tuple(row.rate() for row in OfficialFee.objects.order_by("-effective_from", "pk")),
        reductions=tuple(
            row.reduction() for row in FeeReduction.objects.order_by("-effective_from", "pk")
        ),
    )


def _facts(asset, *, kind, nominal_due_on, fee_year):
    return fees.FeeFacts(
        kind=kind,
        nominal_due_on=nominal_due_on,
        fee_year=fee_year,
        patent_type=asset.patent_type,
        filing_date=asset.filing_date,
        grant_date=asset.grant_date,
        classes=len(asset.nice_classes or ()) or 1,
        joint_owners=asset.joint_owners,
    )


def surcharge_percent(deadline, day):
    """The surcharge a deadline's fee carries when paid on `day` (None once its grace is over)."""
    if day <= deadline.due_on:
        return 0
    for step in deadline.surcharges or ():
        if day <= datetime.date.fromisoformat(step["until"]):
            return step["percent"]
    return None if deadline.surcharges else 0


def deadline_fee(deadline, *, today, table):
    """What `deadline` asks to pay if paid `today` (after its due date: with the surcharge then
    due); done or missed, the fee as it was due. None when no fee applies (an expiry)."""
    percent = 0
    if deadline.done_at is None and deadline.missed_at is None:
        percent = surcharge_percent(deadline, today) or 0
    return fees.quote(
        table,
        _facts(
            deadline.asset,
            kind=deadline.kind,
            nominal_due_on=deadline.original_due_on,
            fee_year=deadline.fee_year,
        ),
        surcharge_percent=percent,
    )


def with_fees(deadline_rows, *, today, table=None):
    """`deadline_rows` (deadlines with their asset loaded), each given its `fee`; a list."""
    table = fee_table() if table is None else table
    rows = list(deadline_rows)
    for deadline in rows:
        deadline.fee = deadline_fee(deadline, today=today, table=table)
    return rows


def fees_of(deadline_ids, *, today, table=None):
    """{deadline id: FeeQuote or None} for deadlines already scoped to the reader (one query
    for the rows, two for the table unless given)."""
    rows = Deadline.objects.filter(pk__in=list(deadline_ids)).select_related("asset")
    return {deadline.pk: deadline.fee for deadline in with_fees(rows, today=today, table=table)}


def fee_forecast(user, *, firm, today, years=fees.FORECAST_YEARS, table=None):
    """What keeping `firm`'s in-force rights costs in each of the next `years` years.

    Every fee and renewal the rules derive within the horizon, whether or not it is on the
    board yet, except those already marked done; a fee in its grace today counts with its
    surcharge. `firm` must be one `user` may see (portfolio_firm_get_for_user).
    """
    table = fee_table() if table is None else table
    horizon = fees.forecast_horizon(today, years)
    assets = assets_visible_to(user).filter(firm=firm, status=IPAsset.Status.IN_FORCE)
    done = set(
        Deadline.objects.filter(firm=firm, done_at__isnull=False).values_list(
            "asset_id", "kind", "original_due_on"
        )
    )
    priced = []
    for asset in assets:
        for spec in deadlines.deadlines_for(asset.facts(), today, horizon):
            if not deadlines.is_task(spec.kind):
                continue
            if (asset.pk, spec.kind, spec.original_due_on) in done:
                continue
            facts = _facts(
                asset, kind=spec.kind, nominal_due_on=spec.original_due_on, fee_year=spec.fee_year
            )
            percent = spec.surcharge_percent(today) or 0
            priced.append(
                (spec.due_on, spec.kind, fees.quote(table, facts, surcharge_percent=percent))
            )
    return fees.forecast(priced, today=today, years=years)
