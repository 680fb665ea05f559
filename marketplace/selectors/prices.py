"""Prices as every interface shows them: list prices and a programme year's package."""

from decimal import Decimal


def list_price(items):
    """List price of (service item, quota) pairs."""
    return sum((service_item.unit_price * quota for service_item, quota in items), Decimal("0.00"))


def package_summary(year):
    """The package of a programme year with its price and who pays what, for templates."""
    if year is None:
        return None
    price = year.package_price()
    government, copay = year.split_price(price)
    return {
        "year": year,
        "rows": [
            {"item": line, "amount": line.quota * line.service_item.unit_price}
            for line in year.package_items.all()
        ],
        "price": price,
        "government": government,
        "copay": copay,
    }
