from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person using the platform; what they may do follows from `role`."""

    class Role(models.TextChoices):
        FIRM_MEMBER = "firm_member", _("Firm member")
        AGENCY_STAFF = "agency_staff", _("Agency staff")
        INCUBATOR_MANAGER = "incubator_manager", _("Incubator manager")
        PROGRAMME_OFFICER = "programme_officer", _("Programme officer")
        CMS_EDITOR = "cms_editor", _("CMS editor")

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "The language the person last signed in or switched to; notices and e-mails "
            "are worded in it (blank: the programme's default)."
        ),
    )
    firm = models.ForeignKey(
        "marketplace.Firm",
        verbose_name=_("firm"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    agency = models.ForeignKey(
        "marketplace.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    is_agency_admin = models.BooleanField(
        _("agency administrator"),
        default=False,
        help_text=_("May manage the agency's profile, staff and payout settings."),
    )
    incubator = models.ForeignKey(
        "marketplace.Incubator",
        verbose_name=_("incubator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managers",
    )

    @property
    def preferred_language(self):
        """The language to word this person's e-mails and notices in."""
        return self.language or settings.LANGUAGE_CODE

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A membership only makes sense for the matching role; the rest stay empty.
            models.CheckConstraint(
                name="user_firm_only_for_firm_members",
                condition=Q(firm__isnull=True) | Q(role="firm_member"),
            ),
            models.CheckConstraint(
                name="user_agency_only_for_agency_staff",
                condition=Q(agency__isnull=True) | Q(role="agency_staff"),
            ),
            models.CheckConstraint(
                name="user_incubator_only_for_managers",
                condition=Q(incubator__isnull=True) | Q(role="incubator_manager"),
            ),
        ]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_firm_member(self):
        return self.role == self.Role.FIRM_MEMBER and self.firm_id is not None

    @property
    def is_agency_staff(self):
        return self.role == self.Role.AGENCY_STAFF and self.agency_id is not None

    @property
    def is_incubator_manager(self):
        return self.role == self.Role.INCUBATOR_MANAGER and self.incubator_id is not None

    @property
    def is_programme_officer(self):
        return self.role == self.Role.PROGRAMME_OFFICER or self.is_superuser

    @property
    def is_cms_editor(self):
        return self.role == self.Role.CMS_EDITOR
