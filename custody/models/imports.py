"""A portfolio import too big to run inside the request: its file, state and progress."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from custody.models.portfolio import private_storage


class PortfolioImport(models.Model):
    """One uploaded file imported in the background (custody.portfolio_io, custody.tasks).

    The firm sees its progress on the portfolio page and over the API; the assets are
    written in one transaction with the move to DONE, so a run delivered twice (a worker
    that died) writes them once.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Checking the rows")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Not imported")

    TRANSITIONS = frozenset(
        {
            (None, Status.QUEUED),
            (Status.QUEUED, Status.RUNNING),
            (Status.QUEUED, Status.FAILED),
            (Status.RUNNING, Status.DONE),
            (Status.RUNNING, Status.FAILED),
        }
    )

    firm = models.ForeignKey(
        "marketplace.Firm", on_delete=models.CASCADE, related_name="portfolio_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    file = models.FileField(storage=private_storage, upload_to="imports/%Y/%m/")
    file_name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_checked = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    # Every bad cell, as the synchronous import reports them: [{row, column, message}].
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("portfolio import")

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def finished(self):
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def percent(self):
        if not self.rows_total:
            return 100 if self.finished else 0
        # Rounded half up in integers, as every share on the site (round() goes to even).
        return min(100, (200 * self.rows_checked + self.rows_total) // (2 * self.rows_total))
