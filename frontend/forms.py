"""Forms of the portals: they validate input; the views hand the clean data to one action."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.template import loader
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.actions.outbox import email_enqueue
from core.formatting import money
from marketplace import selectors
from marketplace.choices import CustodyArea, District, Industry
from marketplace.models import (
    Agency,
    Firm,
    ProgrammeYear,
    User,
)
from marketplace.selectors.prices import price_split
from marketplace.validators import normalise_credit_code


class BootstrapMixin:
    """Gives every widget its Bootstrap class, and marks fields with errors as invalid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            # CheckboxSelectMultiple is a RadioSelect, so this covers every check box.
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = " ".join(filter(None, [widget.attrs.get("class"), css]))

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def add_action_error(self, error):
        """Put an error escaping an action (ValidationError or ActionError) on the field it
        names, else on the whole form."""
        if isinstance(error, ValidationError):
            if not hasattr(error, "error_dict"):
                self.add_error(None, error)
                return
            for name, errors in error.error_dict.items():
                target = name if name in self.fields and name != NON_FIELD_ERRORS else None
                self.add_error(target, errors)
            return
        self.add_error(error.field if error.field in self.fields else None, error.message)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# --- Accounts ----------------------------------------------------------------------


class LoginForm(BootstrapMixin, auth_forms.AuthenticationForm):
    pass


class PasswordResetForm(BootstrapMixin, auth_forms.PasswordResetForm):
    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """As Django's, but through the outbox, so a dying process does not lose the link."""
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        email_enqueue(recipients=[to_email], subject=subject, body=body, from_email=from_email)


class SetPasswordForm(BootstrapMixin, auth_forms.SetPasswordForm):
    pass


class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    pass


class AccountFields(forms.Form):
    """The first user of a firm or agency: who signs in, and how the programme reaches them."""

    display_name = forms.CharField(
        label=_("Your name"), max_length=100, required=False, help_text=_("Shown to colleagues.")
    )
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("Letters, digits and @/./+/-/_ only; you sign in with it."),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("Notices and password resets go here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        password1 = cleaned.get("password1")
        password2 = cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ; please type them again."))
        elif password2:
            # Validators compare the password with the user's name and e-mail.
            candidate = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(password2, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def account_fields(self):
        data = self.cleaned_data
        return {
            "username": data["username"],
            "email": data["email"],
            "password": data["password1"],
            "display_name": data["display_name"],
        }


class CreditCodeMixin:
    """Takes the code as pasted; the model's validator then says exactly what is wrong."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["credit_code"]
        # Spaces and dashes may make a pasted code longer than 18 before it is compacted.
        field.max_length = None
        field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
        field.widget.attrs.pop("maxlength", None)
        field.widget.attrs.update({"autocapitalize": "characters", "spellcheck": "false"})

    def clean_credit_code(self):
        # People paste codes from licences with spaces, dashes and lower case.
        return normalise_credit_code(self.cleaned_data.get("credit_code"))


class FirmSignupForm(BootstrapMixin, CreditCodeMixin, AccountFields, forms.ModelForm):
    class Meta:
        model = Firm
        fields = [
            "name",
            "credit_code",
            "incubator",
            "district",
            "industry",
            "admitted_on",
            "headcount",
            "revenue_band",
            "sme_sector",
            "annual_revenue",
            "total_assets",
            "description",
        ]
        widgets = {"admitted_on": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "credit_code": _("18 characters, as printed on the business licence."),
            "incubator": _(
                "Only national and provincial incubators take part; it will confirm your firm."
            ),
        }

    firm_fieldnames = Meta.fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incubator"].queryset = selectors.incubators_open_for_signup()
        self.fields["headcount"].widget.attrs["min"] = 1

    def clean_admitted_on(self):
        day = self.cleaned_data["admitted_on"]
        if day and day > timezone.localdate():
            raise ValidationError(_("The admission date cannot be in the future."))
        return day

    def firm_fields(self):
        return {name: self.cleaned_data[name] for name in self.firm_fieldnames}


class ServiceItemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return _("%(name)s (%(price)s, unit: %(unit)s)") % {
            "name": obj.display_name,
            "price": money(obj.unit_price),
            "unit": obj.get_unit_display(),
        }


class AgencySignupForm(BootstrapMixin, CreditCodeMixin, AccountFields, forms.ModelForm):
    service_items = ServiceItemChoiceField(
        label=_("Service items offered"),
        queryset=selectors.service_items_offered(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pick at least one service item you deliver.")},
    )
    industries = forms.MultipleChoiceField(
        label=_("Industries served"),
        choices=Industry.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pick at least one industry.")},
    )
    districts_served = forms.MultipleChoiceField(
        label=_("Districts served"),
        choices=District.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pick at least one district.")},
    )

    class Meta:
        model = Agency
        fields = [
            "name",
            "name_en",
            "credit_code",
            "kind",
            "licence_number",
            "licence_valid_from",
            "licence_valid_until",
            "district",
            "industries",
            "districts_served",
            "expertise",
            "expertise_en",
            "yearly_capacity",
        ]
        widgets = {
            "licence_valid_from": DateInput(),
            "licence_valid_until": DateInput(),
            "expertise": forms.Textarea(attrs={"rows": 3}),
            "expertise_en": forms.Textarea(attrs={"rows": 3}),
        }

    agency_fieldnames = Meta.fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["yearly_capacity"].widget.attrs["min"] = 1

    def clean_licence_valid_until(self):
        day = self.cleaned_data["licence_valid_until"]
        today = timezone.localdate()
        if day and day < today:
            raise ValidationError(
                _("This licence expired on %(date)s; please enter a valid licence."),
                params={"date": date_format(day, "DATE_FORMAT")},
            )
        return day

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("licence_valid_from")
        end = cleaned.get("licence_valid_until")
        if start and end and end < start:
            self.add_error(
                "licence_valid_until",
                _("The licence cannot end before it starts (%(date)s).")
                % {"date": date_format(start, "DATE_FORMAT")},
            )
        return cleaned

    def service_items_by_area(self):
        """The item checkboxes grouped by custody area, areas in catalogue order."""
        groups = {area: [] for area in CustodyArea.values}
        for option in self["service_items"]:
            groups[option.data["value"].instance.area].append(option)
        labels = dict(CustodyArea.choices)
        return [(labels[area], options) for area, options in groups.items() if options]

    def agency_fields(self):
        return {name: self.cleaned_data[name] for name in self.agency_fieldnames}


# --- Decisions ------------------------------------------------------------------------


class IncubationEndForm(BootstrapMixin, forms.Form):
    """The last day of a firm's incubation, recorded by its incubator."""

    on = forms.DateField(label=_("Last day of incubation"), widget=DateInput())


class ReasonForm(forms.Form):
    """The reason of a rejection or suspension; the action refuses an empty one."""

    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


# --- Custody requests, offers and allocation ---------------------------------------------


class CustodyRequestForm(BootstrapMixin, forms.Form):
    """The package items of a programme year as check boxes with quotas, and free-text needs.

    Standard items start ticked at their full quota; extras may be ticked too, each up
    to the programme's quota. The action checks items and eligibility again.
    """

    needs = forms.CharField(
        label=_("What does your firm need?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "In a few words: patents you plan, trademarks to protect, deadlines you worry about. "
            "Agencies with matching expertise rank higher."
        ),
    )

    def __init__(self, *args, programme_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme_year = programme_year
        self.package = list(programme_year.package_items.all())
        for line in self.package:
            item = line.service_item
            self.fields[f"item_{item.pk}"] = forms.BooleanField(
                label=item.display_name,
                required=False,
                initial=line.is_standard,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            self.fields[f"quota_{item.pk}"] = forms.IntegerField(
                label=_("Quota of %(item)s") % {"item": item.display_name},
                required=False,
                min_value=1,
                max_value=line.quota,
                initial=line.quota,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
            )

    def clean(self):
        cleaned = super().clean()
        quotas = {}
        for line in self.package:
            item_id = line.service_item_id
            if not cleaned.get(f"item_{item_id}"):
                continue
            quota = cleaned.get(f"quota_{item_id}")
            if quota is None:
                if f"quota_{item_id}" not in self.errors:
                    self.add_error(f"quota_{item_id}", _("How many do you need?"))
                continue
            quotas[item_id] = quota
        if not quotas and not self.errors:
            raise ValidationError(_("Choose at least one service item."))
        self.quotas = quotas
        return cleaned

    def _selected(self):
        """(package line, quota) pairs ticked now: the submitted ones, else the initial ones."""
        if self.is_bound and self.is_valid():
            return [
                (line, self.quotas[line.service_item_id])
                for line in self.package
                if line.service_item_id in self.quotas
            ]
        return [(line, line.quota) for line in self.package if line.is_standard]

    def rows(self):
        """One row per package line for the template: check box, quota and price."""
        return [
            {
                "line": line,
                "item": line.service_item,
                "check": self[f"item_{line.service_item_id}"],
                "quota": self[f"quota_{line.service_item_id}"],
            }
            for line in self.package
        ]

    def price(self):
        """The list price of the selection and who pays what, as the action will compute it."""
        return price_split(
            self.programme_year, [(line.service_item, quota) for line, quota in self._selected()]
        )


class ChooseAgencyForm(forms.Form):
    agency = forms.IntegerField(min_value=1)


class ChangeAgencyForm(BootstrapMixin, forms.Form):
    new_agency = forms.ModelChoiceField(
        label=_("New agency"),
        queryset=Agency.objects.none(),
        empty_label=_("Choose an approved agency"),
        error_messages={"required": _("Choose the agency you want to move to.")},
    )
    reason = forms.CharField(
        label=_("Why do you want to change?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The programme office reads it before it decides."),
    )

    def __init__(self, *args, user, current_agency_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = selectors.agencies_visible_to(user).filter(status=Agency.Status.APPROVED)
        if current_agency_id is not None:
            agencies = agencies.exclude(pk=current_agency_id)
        self.fields["new_agency"].queryset = agencies.order_by("name")


class AllocationForm(forms.Form):
    """Which open requests of a programme year to allocate: all of them, or those ticked."""

    SCOPE_ALL = "all"
    SCOPE_SELECTED = "selected"

    programme_year = forms.ModelChoiceField(queryset=ProgrammeYear.objects.none())
    scope = forms.ChoiceField(
        choices=[(SCOPE_ALL, _("All open requests")), (SCOPE_SELECTED, _("Only those ticked"))]
    )
    requests = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme_year"].queryset = selectors.programme_years_visible_to(user)
        # Any id is acceptable here: the action only takes open requests of the year.
        self.fields["requests"].valid_value = lambda value: True

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == self.SCOPE_SELECTED and not cleaned.get("requests"):
            raise ValidationError(_("Tick at least one request, or choose all open requests."))
        return cleaned

    def request_ids(self):
        if self.cleaned_data["scope"] == self.SCOPE_ALL:
            return None
        return self.cleaned_data["requests"]
