"""Forms of service records and settlement: they validate input; the views call one action."""

from django import forms
from django.utils.translation import gettext_lazy as _

from custody import evidence
from custody import selectors as custody_selectors
from frontend.forms import BootstrapMixin, DateInput


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the custody action checks each by its content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": evidence.ACCEPT_ATTRIBUTE}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.service_item.display_name} ({obj.service_item.get_area_display()})"


class ServiceRecordForm(BootstrapMixin, forms.Form):
    item = ItemChoiceField(label=_("Service"), queryset=None)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DateInput())
    description = forms.CharField(
        label=_("What was delivered"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_("PDF, images or office documents, up to 10 MB each."),
    )

    def __init__(self, *args, engagement, with_item=True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_item:
            self.fields["item"].queryset = engagement.items.select_related("service_item")
        else:
            del self.fields["item"]


class DisputeForm(forms.Form):
    reason = forms.CharField(label=_("Why do you dispute it?"), max_length=2000, required=False)


class RatingForm(BootstrapMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating of the agency"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReportPeriodForm(forms.Form):
    """The quarter asked for in the report's selector (?year=&quarter=)."""

    year = forms.IntegerField(
        label=_("Year"),
        min_value=custody_selectors.REPORT_YEARS.start,
        max_value=custody_selectors.REPORT_YEARS.stop - 1,
    )
    quarter = forms.IntegerField(label=_("Quarter"), min_value=1, max_value=4)
