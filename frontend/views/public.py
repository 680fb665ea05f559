from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

# Checked in this order; the first role a user holds picks their home.
ROLE_HOMES = [
    ("firm_member", "frontend:firm-home"),
    ("agency_staff", "frontend:agency-home"),
    ("incubator_manager", "frontend:incubator-home"),
    ("programme_officer", "frontend:office-home"),
]


def programme_year_summary(year):
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


@login_required
def role_home(request):
    for role, url_name in ROLE_HOMES:
        if getattr(request.user, f"is_{role}"):
            return redirect(url_name)
    return redirect("frontend:home")
