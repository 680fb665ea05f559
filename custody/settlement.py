"""The settlement arithmetic and delivery progress: plain functions over plain data, no ORM.

The rule, as the settlement page states it:

1. Per item, only what the firm confirmed counts, and never more than the quota:
   counted = min(confirmed, quota); delivered fraction = counted / quota;
   delivered value = quota × unit price × delivered fraction = counted × unit price.
2. The delivered value of the engagement is split like a package price
   (`ProgrammeYear.split_price`): the government pays its share of it, rounded
   to the fen; when the firm's part would exceed the co-payment cap, the firm
   pays the cap and the government the rest.
3. The government never pays more than the engagement reserved; what it does
   not pay returns to the programme budget.

Each item's line shows its part of the government amount: the item's value ×
share, adjusted by whole fen (largest remainders first) so that the lines add
up to the amount exactly.
"""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from core import money

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ItemDelivery:
    """One engagement item: its quota, agreed unit price and confirmed quantity."""

    ref: int
    name: str
    quota: int
    unit_price: Decimal
    confirmed: int


@dataclass(frozen=True)
class SettlementLine:
    ref: int
    name: str
    quota: int
    confirmed: int
    counted: int
    unit_price: Decimal
    fraction: Decimal
    value: Decimal
    government: Decimal

    def as_json(self):
        return {
            "ref": self.ref,
            "name": self.name,
            "quota": self.quota,
            "confirmed": self.confirmed,
            "counted": self.counted,
            "unit_price": str(self.unit_price),
            "fraction": str(self.fraction),
            "value": str(self.value),
            "government": str(self.government),
        }


@dataclass(frozen=True)
class SettlementResult:
    lines: tuple
    delivered_value: Decimal
    government_share: Decimal
    copay_cap: Decimal | None
    # The delivered value split as split_price would split it, before the reservation cap.
    split_government: Decimal
    split_copay: Decimal
    cap_applied: bool
    reservation: Decimal
    reservation_applied: bool
    amount: Decimal
    released: Decimal

    @property
    def complete(self):
        return all(line.counted == line.quota for line in self.lines)


def split(price, *, share, copay_cap=None):
    """(government, co-payment) of a price: the same rule as ProgrammeYear.split_price."""
    return money.split(price, share=share, copay_cap=copay_cap)


def _allocate(total, weights):
    """Split `total` (whole fen) over `weights` in proportion, largest remainders first."""
    weight_sum = sum(weights, ZERO)
    if not weights:
        return []
    if weight_sum == 0:
        return [ZERO for _weight in weights]
    exact = [total * weight / weight_sum for weight in weights]
    floors = [value.quantize(FEN, rounding=ROUND_DOWN) for value in exact]
    left = int(((total - sum(floors, ZERO)) / FEN).to_integral_value())
    order = sorted(range(len(weights)), key=lambda i: (floors[i] - exact[i], i))
    for index in order[:left]:
        floors[index] += FEN
    return floors


def settle(items, *, government_share, copay_cap, reservation):
    """The settlement of an engagement's items; see the module docstring for the rule."""
    counted = [min(max(item.confirmed, 0), item.quota) for item in items]
    values = [item.unit_price * n for item, n in zip(items, counted, strict=True)]
    delivered = sum(values, ZERO)
    split_government, split_copay = split(delivered, share=government_share, copay_cap=copay_cap)
    plain_government = money.to_fen(delivered * government_share)
    cap_applied = split_government != plain_government
    amount = max(min(split_government, reservation), ZERO)
    parts = _allocate(amount, values)
    lines = tuple(
        SettlementLine(
            ref=item.ref,
            name=item.name,
            quota=item.quota,
            confirmed=item.confirmed,
            counted=n,
            unit_price=item.unit_price,
            fraction=(Decimal(n) / Decimal(item.quota)).quantize(Decimal("0.0001")),
            value=value,
            government=part,
        )
        for item, n, value, part in zip(items, counted, values, parts, strict=True)
    )
    return SettlementResult(
        lines=lines,
        delivered_value=delivered,
        government_share=government_share,
        copay_cap=copay_cap,
        split_government=split_government,
        split_copay=split_copay,
        cap_applied=cap_applied,
        reservation=reservation,
        reservation_applied=split_government > reservation,
        amount=amount,
        released=reservation - amount,
    )


@dataclass(frozen=True)
class Progress:
    """Delivery against one quota, in units and in whole percent for the bars."""

    quota: int
    confirmed: int
    pending: int
    confirmed_percent: int
    pending_percent: int

    @property
    def left(self):
        return max(self.quota - self.confirmed - self.pending, 0)

    @property
    def done(self):
        return self.confirmed >= self.quota


def _percent_half_up(part, whole):
    """part / whole in whole per cent, rounded half up in integers (1 of 8 is 13 %, not 12)."""
    return (200 * part + whole) // (2 * whole)


def progress(*, quota, confirmed, pending):
    """Percentages of the quota confirmed and awaiting confirmation, rounded half up;
    together at most 100."""
    if quota <= 0:
        return Progress(quota, confirmed, pending, 0, 0)
    confirmed_percent = min(_percent_half_up(confirmed, quota), 100)
    pending_percent = min(_percent_half_up(confirmed + pending, quota), 100) - confirmed_percent
    return Progress(quota, confirmed, pending, confirmed_percent, max(pending_percent, 0))
