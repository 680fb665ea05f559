"""Prices as every interface shows them: list prices and a programme year's package."""

from decimal import Decimal


def list_price(items):
    """List price of (service item, quota) pairs."""
    return sum((service_item.unit_price * quota for service_item, quota in items), Decimal("0.00"))


def price_split(programme_year, items):
    """The list price of (service item, quota) pairs and who pays what under `programme_year`,
    exactly as acceptance will compute it: {"price", "government", "copay"}."""
    price = list_price(items)
    government, copay = programme_year.split_price(price)
    return {"price": price, "government": government, "copay": copay}


def request_lines(custody_request):
    """A request's items with their list amounts, and its price split, for pages and the API."""
    lines = list(custody_request.items.select_related("service_item"))
    return {
        "items": [
            {"item": line, "amount": line.service_item.unit_price * line.quota} for line in lines
        ],
        "split": price_split(
            custody_request.programme_year, [(line.service_item, line.quota) for line in lines]
        ),
    }


def engagement_lines(engagement):
    """An engagement's items with the amounts fixed at acceptance."""
    return [
        {"item": line, "amount": line.unit_price * line.quota} for line in engagement.items.all()
    ]


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
