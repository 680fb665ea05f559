"""The dashboards' stored figures: a read model the reporting layer writes for itself.

Computing a city-wide dashboard takes seconds on thousands of firms, so requests read a
snapshot computed off the request by reporting.snapshots (#20 item 6). A snapshot is
derived data, not a state change of the programme: it has no audit event (which would
mark the data changed and schedule another refresh).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DashboardSnapshot(models.Model):
    """One dashboard's figures for one scope (who sees what) and one choice of filters."""

    class Kind(models.TextChoices):
        INCUBATOR = "incubator", _("Incubator dashboard")
        PROGRAMME = "programme", _("Programme dashboard")

    # A digest of the kind, the scope and the filters (reporting.snapshots.snapshot_key).
    key = models.CharField(_("key"), max_length=64, unique=True)
    kind = models.CharField(_("dashboard"), max_length=16, choices=Kind.choices)
    scope = models.TextField(_("scope"))
    # Someone with this scope: the job recomputes the figures as this person, through the
    # same scoped selectors as their page (and drops the snapshot once their scope changed).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("computed for"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The filters and the list shown in full, as reporting.snapshots reads them back.
    params = models.JSONField(_("filters"), default=dict)
    # The figures pickled, as Django's database cache stores values; only this app writes them.
    figures = models.BinaryField(_("figures"))
    format = models.PositiveSmallIntegerField(_("format"))
    computed_at = models.DateTimeField(_("computed at"))
    compute_ms = models.PositiveIntegerField(_("computation time (ms)"), default=0)
    # When the refresh job last found that no change since computed_at moved these figures
    # (reporting.freshness): changes before it are not read again. Null until then.
    checked_at = models.DateTimeField(_("found current at"), null=True, blank=True)
    # Marked at most hourly; snapshots nobody reads are deleted rather than refreshed.
    read_at = models.DateTimeField(_("last read"), db_index=True)

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")

    def __str__(self):
        return f"{self.kind} {self.scope[:40]} @ {self.computed_at:%Y-%m-%d %H:%M}"
