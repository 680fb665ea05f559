from django import forms
from django.utils.translation import gettext_lazy as _

from frontend.forms import BootstrapMixin
from webhooks.models import EventType


class EndpointForm(BootstrapMixin, forms.Form):
    """An endpoint's URL and the events it hears; the action checks the address."""

    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("An https:// address on a public host; deliveries are POSTed to it."),
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    active = forms.BooleanField(
        label=_("Active (untick to pause deliveries)"), required=False, initial=True
    )

    def __init__(self, *args, with_active=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_active:
            del self.fields["active"]
