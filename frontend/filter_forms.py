"""The GET forms that narrow the portals' lists: invalid values are ignored, never refused."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from frontend.forms import BootstrapMixin
from marketplace import selectors
from marketplace.choices import District, Industry
from marketplace.models import (
    Agency,
    CustodyRequest,
    Engagement,
    Firm,
    HighTechPark,
    Incubator,
    Offer,
)
from reporting.coverage import firm_stage_q


class FilterForm(BootstrapMixin, forms.Form):
    """A GET form narrowing a queryset; invalid values are ignored rather than refused."""

    search_fields = ()
    exact_fields = ()

    q = forms.CharField(label=_("Search"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            if isinstance(field, forms.ChoiceField) and not isinstance(
                field, forms.ModelChoiceField
            ):
                field.choices = [("", _("All")), *field.choices]

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        values = {name: value for name, value in self.cleaned_data.items() if value}
        if "q" in values:
            query = Q()
            for name in self.search_fields:
                query |= Q(**{f"{name}__icontains": values["q"]})
            queryset = queryset.filter(query)
        for name in self.exact_fields:
            if name in values:
                queryset = queryset.filter(**{name: values[name]})
        return queryset

    @property
    def is_filtered(self):
        return self.is_valid() and any(self.cleaned_data.values())


# The firm list narrowed to where firms stand in a programme year: the lists behind
# the dashboards' coverage figures (marketplace.dashboards.STAGES).
FIRM_STAGES = [
    ("verified", _("Verified")),
    ("eligible", _("Eligible")),
    ("requested", _("Requested custody")),
    ("offered", _("Waiting for an agency's answer")),
    ("active", _("Under active custody")),
    ("covered", _("Covered (cumulative)")),
    ("no_request", _("Eligible, no request")),
]


class FirmFilterForm(FilterForm):
    search_fields = ("name", "credit_code")
    exact_fields = ("verification", "industry", "district", "incubator")

    verification = forms.ChoiceField(label=_("Verification"), choices=Firm.Verification.choices)
    industry = forms.ChoiceField(label=_("Industry"), choices=Industry.choices)
    district = forms.ChoiceField(label=_("District"), choices=District.choices)
    park = forms.ModelChoiceField(
        label=_("High-tech park"), queryset=HighTechPark.objects.none(), empty_label=_("All")
    )
    incubator = forms.ModelChoiceField(
        label=_("Incubator"), queryset=Incubator.objects.none(), empty_label=_("All incubators")
    )
    stage = forms.ChoiceField(label=_("Coverage stage"), choices=FIRM_STAGES)
    # The programme year the coverage filter counts in; the current one unless chosen.
    year = forms.TypedChoiceField(label=_("Programme year"), coerce=int, choices=())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.years = selectors.programme_years()
        self.fields["year"].choices = [(year.year, year.display_name) for year in self.years]
        current = selectors.default_year(self.years)
        if current is not None:
            self.fields["year"].initial = current.year
        if user.is_programme_officer:
            self.fields["incubator"].queryset = selectors.incubators_visible_to(user)
            self.fields["park"].queryset = HighTechPark.objects.order_by("name")
        else:
            # A manager sees one incubator; a choice of one only adds noise.
            del self.fields["incubator"]
            del self.fields["park"]

    def filter(self, queryset):
        queryset = super().filter(queryset)
        if not self.is_valid():
            return queryset
        if self.cleaned_data.get("park"):
            queryset = queryset.filter(incubator__park=self.cleaned_data["park"])
        stage = self.cleaned_data.get("stage")
        if stage:
            year = self.stage_year()
            if year is None:
                return queryset.none()
            queryset = queryset.filter(firm_stage_q(stage, year))
        return queryset

    def stage_year(self):
        """The programme year the coverage filter counts in."""
        chosen = self.cleaned_data.get("year") if self.is_valid() else None
        by_year = {year.year: year for year in self.years}
        return by_year.get(chosen) or selectors.default_year(self.years)

    @property
    def is_filtered(self):
        # The year alone narrows nothing: it only says which year the coverage counts in.
        return self.is_valid() and any(
            value for name, value in self.cleaned_data.items() if name != "year"
        )


class AgencyFilterForm(FilterForm):
    search_fields = ("name", "name_en", "credit_code", "expertise", "expertise_en")
    exact_fields = ("status", "kind", "district")

    status = forms.ChoiceField(label=_("Status"), choices=Agency.Status.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=Agency.Kind.choices)
    district = forms.ChoiceField(label=_("Office district"), choices=District.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not user.is_programme_officer:
            # Others see the approved directory only.
            del self.fields["status"]


class IncubatorFilterForm(FilterForm):
    search_fields = ("name", "name_en")
    exact_fields = ("level", "district")

    level = forms.ChoiceField(label=_("Level"), choices=Incubator.Level.choices)
    district = forms.ChoiceField(label=_("District"), choices=District.choices)


class CustodyRequestFilterForm(FilterForm):
    search_fields = ("firm__name", "needs")
    exact_fields = ("status",)

    status = forms.ChoiceField(label=_("Status"), choices=CustodyRequest.Status.choices)


class OfferFilterForm(FilterForm):
    search_fields = ("request__firm__name",)
    exact_fields = ("status",)

    status = forms.ChoiceField(label=_("Status"), choices=Offer.Status.choices)


class EngagementFilterForm(FilterForm):
    search_fields = ("firm__name", "agency__name")
    exact_fields = ("status", "agency")

    status = forms.ChoiceField(label=_("Status"), choices=Engagement.Status.choices)
    agency = forms.ModelChoiceField(
        label=_("Agency"), queryset=Agency.objects.none(), empty_label=_("All")
    )
    year = forms.TypedChoiceField(label=_("Programme year"), coerce=int, choices=())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        years = selectors.programme_years()
        self.fields["year"].choices = [("", _("All")), *((y.year, y.name) for y in years)]
        if user.is_agency_staff:
            del self.fields["agency"]  # its own engagements only
        else:
            self.fields["agency"].queryset = selectors.agencies_visible_to(user).order_by("name")

    def filter(self, queryset):
        queryset = super().filter(queryset)
        if self.is_valid() and self.cleaned_data.get("year"):
            queryset = queryset.filter(programme_year__year=self.cleaned_data["year"])
        return queryset
