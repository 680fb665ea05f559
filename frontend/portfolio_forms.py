"""Forms of the portfolio pages: they validate input; the views hand it to one custody action.

Number formats, check digits and the dates each kind needs are the model's rules
(IPAsset.clean, run by the actions), so their errors come back on the field they name.
"""

from django import forms
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from custody import import_limits
from custody.models import IPAsset
from custody.portfolio_io import COLUMNS
from frontend.forms import BootstrapMixin, DateInput

PATENT, TRADEMARK, SOFTWARE = (
    IPAsset.Kind.PATENT,
    IPAsset.Kind.TRADEMARK,
    IPAsset.Kind.SOFTWARE_COPYRIGHT,
)

# The kinds each kind-specific field belongs to; portfolio.js hides the others' fields.
FIELD_KINDS = {
    "filing_date": (PATENT,),
    "grant_date": (PATENT,),
    "registration_date": (TRADEMARK, SOFTWARE),
    "nice_classes": (TRADEMARK,),
    "expiry_override": (PATENT, TRADEMARK),
    "joint_owners": (PATENT,),
}

IMPORT_SUFFIXES = (".csv", ".xlsx")


class PortfolioFilterForm(BootstrapMixin, forms.Form):
    """The list's filters; invalid values are ignored rather than refused."""

    q = forms.CharField(
        label=_("Number or title"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All")), *IPAsset.Kind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *IPAsset.Status.choices], required=False
    )

    @property
    def is_filtered(self):
        return self.is_valid() and any(self.cleaned_data.values())

    def values(self):
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "kind": data.get("kind", ""),
            "status": data.get("status", ""),
            "search": data.get("q", ""),
        }


class AssetForm(BootstrapMixin, forms.Form):
    """All kinds in one form; only the fields of the chosen kind go to the action."""

    kind = forms.ChoiceField(label=_("Kind"), choices=IPAsset.Kind.choices, initial=PATENT)
    number = forms.CharField(
        label=_("Number"),
        max_length=40,
        help_text=_(
            "Patent: the application number with its check digit, e.g. 200910005164.2. "
            "Trademark: the registration number. Software copyright: e.g. 2023SR0123456."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=IPAsset.Status.choices, initial=IPAsset.Status.PENDING
    )
    filing_date = forms.DateField(label=_("Filing date"), required=False, widget=DateInput())
    grant_date = forms.DateField(label=_("Grant date"), required=False, widget=DateInput())
    registration_date = forms.DateField(
        label=_("Registration date"), required=False, widget=DateInput()
    )
    nice_classes = forms.CharField(
        label=_("Nice classes"),
        required=False,
        max_length=200,
        help_text=_("Numbers from 1 to 45, separated by commas, e.g. 9, 35, 42."),
    )
    expiry_override = forms.DateField(
        label=_("Adjusted expiry"),
        required=False,
        widget=DateInput(),
        help_text=_("Only if the official expiry differs from the computed one."),
    )

    joint_owners = forms.BooleanField(
        label=_("Joint owners"),
        required=False,
        help_text=_("Owned with others: the official fee reduction is then 70%, not 85%."),
    )

    def __init__(self, *args, asset=None, **kwargs):
        if asset is not None:
            kwargs.setdefault("initial", self.initial_of(asset))
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["data-portfolio-kind"] = ""
        if asset is not None:
            # A patent does not become a trademark: the kind of an asset stays.
            self.fields["kind"].disabled = True

    @staticmethod
    def initial_of(asset):
        return {
            "kind": asset.kind,
            "number": asset.number,
            "title": asset.title,
            "status": asset.status,
            "filing_date": asset.filing_date,
            "grant_date": asset.grant_date,
            "registration_date": asset.registration_date,
            "nice_classes": ", ".join(str(c) for c in asset.nice_classes),
            "expiry_override": asset.expiry_override,
            "joint_owners": asset.joint_owners,
        }

    def rows(self):
        """(bound field, the kinds it belongs to as a space-separated list or "") in order."""
        return [(self[name], " ".join(FIELD_KINDS.get(name, ()))) for name in self.fields]

    def asset_fields(self):
        """The action's `fields`: what the chosen kind uses, the rest emptied."""
        data = self.cleaned_data
        kind = data["kind"]
        fields = {name: data[name] for name in ("kind", "number", "title", "status")}
        for name, kinds in FIELD_KINDS.items():
            used = kind in kinds
            if name == "nice_classes":
                # The model parses the text ("9, 35; 42") and says what is wrong with it.
                fields[name] = data[name] if used else []
            elif name == "joint_owners":
                fields[name] = bool(data[name]) and used
            else:
                fields[name] = data[name] if used else None
        return fields


class PortfolioImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["file"]
        field.widget.attrs["accept"] = ",".join(IMPORT_SUFFIXES)
        # The column names are the file's own words, so they are shown as code.
        columns = format_html_join(", ", "<code>{}</code>", ((name,) for name in COLUMNS))
        field.help_text = mark_safe(  # noqa: S308 - our translation, escaped; the columns escaped
            conditional_escape(
                gettext(
                    "Columns: %(columns)s; the header is row 1. A number already in the "
                    "portfolio updates that asset. If any row is wrong, nothing is imported."
                )
            )
            % {"columns": columns}
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(IMPORT_SUFFIXES):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        try:
            import_limits.check_size(upload.size, import_limits.Limits.from_settings())
        except import_limits.FileRefused as error:
            raise forms.ValidationError(error.message) from None
        return upload
