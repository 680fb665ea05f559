"""The domain words matching compares, stored with the text they come from.

Taking them from a text segments it with jieba, whose dictionary takes most of a second to
load; ranking a request or allocating a cohort reads the stored words instead, so neither a
page nor `manage.py allocate` ever loads it. The actions that write one of the texts
(`matching_text_fields`) refresh the words in the same save (marketplace.actions:
firm_register, agency_register, participant_create, participant_update, request_submit).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace import matching


class MatchingTerms(models.Model):
    matching_terms = models.TextField(
        _("matching terms"),
        blank=True,
        editable=False,
        help_text=_("Domain words of the texts matching reads, taken when they were saved."),
    )

    # The fields the words are drawn from; a change to any of them refreshes the words.
    matching_text_fields = ()

    class Meta:
        abstract = True

    def matching_text(self):
        """The text the words are drawn from, as one string."""
        raise NotImplementedError

    def refresh_matching_terms(self):
        """Set `matching_terms` from the current text (the caller saves)."""
        self.matching_terms = matching.field_terms(self.matching_text())
