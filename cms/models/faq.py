"""FAQ entries: translatable, moderated snippets that the chat assistant answers from."""

from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.fields import RichTextField
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    RevisionMixin,
    TranslatableMixin,
    WorkflowMixin,
)
from wagtail.search import index

from cms.blocks import RICH_TEXT_FEATURES
from cms.text import segment, strip_tags

KEY_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

validate_key = RegexValidator(
    KEY_PATTERN, _("Use lower-case letters, digits and single hyphens, e.g. co-payment-amount.")
)


class FaqEntry(
    WorkflowMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    TranslatableMixin,
    index.Indexed,
    ClusterableModel,
):
    """One question and its answer in one language.

    `key` names the question across languages: the Chinese and English entries of
    one key are translations of each other and share their translation key.
    """

    key = models.CharField(_("key"), max_length=64, validators=[validate_key])
    category = models.CharField(
        _("category"),
        max_length=40,
        validators=[validate_key],
        help_text=_("e.g. programme, eligibility, payments, patents, trademarks, training."),
    )
    question = models.CharField(_("question"), max_length=300)
    alternates = models.TextField(
        _("alternate wordings"),
        blank=True,
        help_text=_("Other ways people ask the same question, one per line."),
    )
    answer = RichTextField(_("answer"), features=RICH_TEXT_FEATURES)

    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="faq_entry",
        for_concrete_model=False,
    )
    revisions = GenericRelation(
        "wagtailcore.Revision",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="faq_entry",
        for_concrete_model=False,
    )

    panels = [
        FieldRowPanel([FieldPanel("key"), FieldPanel("category")]),
        FieldPanel("question"),
        FieldPanel("alternates"),
        FieldPanel("answer"),
        InlinePanel("related_pages", label=_("Related pages")),
    ]
    search_fields = [
        index.SearchField("question", boost=2),
        index.SearchField("search_words"),
        index.AutocompleteField("question"),
        index.FilterField("key"),
        index.FilterField("category"),
        index.FilterField("locale"),
        index.FilterField("live"),
        index.FilterField("translation_key"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        ordering = ["category", "key"]
        constraints = [
            # Import upserts by (key, language); this keeps two editors from making a twin.
            models.UniqueConstraint(fields=["key", "locale"], name="faq_key_once_per_language"),
        ]

    def __str__(self):
        return self.question

    @property
    def alternate_list(self):
        return [line.strip() for line in self.alternates.splitlines() if line.strip()]

    def search_words(self):
        return segment(f"{self.question} {self.alternates} {strip_tags(self.answer)}")

    def copy_for_translation(self, locale, exclude_fields=None):
        """The entry copied into `locale` as an unpublished draft, like a translated page.

        Wagtail copies snippets with their publishing state, so "Translate" on a live
        entry would publish the untranslated text in the other language at once, past review.
        """
        translation = super().copy_for_translation(locale, exclude_fields=exclude_fields)
        translation.live = False
        translation.has_unpublished_changes = True
        translation.live_revision = None
        translation.first_published_at = None
        translation.last_published_at = None
        return translation


class FaqRelatedPage(Orderable):
    entry = ParentalKey(FaqEntry, on_delete=models.CASCADE, related_name="related_pages")
    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("page"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [FieldPanel("page")]

    class Meta(Orderable.Meta):
        verbose_name = _("related page")
        verbose_name_plural = _("related pages")
