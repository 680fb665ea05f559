"""Page types of the public site: home, training centre (courses, events) and articles.

Each class declares its fields, panels, search fields and tree rules together;
every body is written with the one block set in cms/blocks.py. Pages read
marketplace and cms selectors for what they show, and never write.
"""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms import selectors
from cms.blocks import RICH_TEXT_FEATURES, ContentBlock, LessonBlock
from cms.text import segment, strip_tags


def _stream_text(stream):
    """The searchable words of a StreamField value."""
    if not stream:
        return ""
    return " ".join(str(part) for part in stream.stream_block.get_searchable_content(stream))


class HomePage(Page):
    """The programme's front door: what it is, live figures, and the way into each portal."""

    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)
    body = StreamField(ContentBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("search_words")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.TrainingIndexPage", "cms.ArticleIndexPage"]
    # One home per language: the translations sit beside the original under the root.
    max_count_per_parent = 2
    template = "cms/pages/home_page.html"

    class Meta:
        verbose_name = _("home page")

    def search_words(self):
        return segment(f"{self.title} {strip_tags(self.intro)} {_stream_text(self.body)}")

    def route(self, request, path_components):
        """Serve the original language's page where this language has no translation yet.

        The template says so (the page's locale differs from the active language).
        """
        try:
            return super().route(request, path_components)
        except Http404:
            source = selectors.source_home(self)
            if source is None or source.pk == self.pk:
                raise
            return source.route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.home_context(self))
        return context


class TrainingIndexPage(Page):
    """The training centre: courses, upcoming and past events."""

    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("search_words")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.CoursePage", "cms.TrainingEventPage"]
    max_count_per_parent = 1
    template = "cms/pages/training_index_page.html"

    class Meta:
        verbose_name = _("training centre")

    def search_words(self):
        return segment(f"{self.title} {strip_tags(self.intro)}")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["cms_section"] = "training"
        courses = selectors.localized_children(self, CoursePage)
        progress = selectors.course_progress_for(request.user, courses)
        learner = request.user.is_authenticated
        context["course_rows"] = [
            {
                "course": course,
                "done": progress[course.translation_key].done_in(course)
                if course.translation_key in progress
                else (0 if learner else None),
            }
            for course in courses
        ]
        events = selectors.localized_children(self, TrainingEventPage)
        now = timezone.now()
        context["upcoming_events"] = sorted(
            (event for event in events if event.ends_at >= now), key=lambda e: e.starts_at
        )
        context["past_events"] = sorted(
            (event for event in events if event.ends_at < now),
            key=lambda e: e.starts_at,
            reverse=True,
        )[:6]
        return context


class CoursePage(Page):
    """A self-paced course: lessons of rich text, images, documents and video."""

    class Level(models.TextChoices):
        BEGINNER = "beginner", _("Beginner")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")

    summary = models.TextField(_("summary"), max_length=500)
    level = models.CharField(
        _("level"), max_length=16, choices=Level.choices, default=Level.BEGINNER
    )
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lessons = StreamField([("lesson", LessonBlock())], verbose_name=_("lessons"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("level"), FieldPanel("cover")]),
        FieldPanel("lessons"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("search_words"),
        index.FilterField("level"),
    ]
    parent_page_types = ["cms.TrainingIndexPage"]
    subpage_types = []
    template = "cms/pages/course_page.html"

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def search_words(self):
        return segment(f"{self.title} {self.summary} {_stream_text(self.lessons)}")

    @property
    def lesson_ids(self):
        return [block.id for block in self.lessons]

    @property
    def total_minutes(self):
        return sum(block.value.get("minutes") or 0 for block in self.lessons)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        progress = selectors.course_progress_for(request.user, [self]).get(self.translation_key)
        done = set(progress.completed if progress else ())
        context["lesson_rows"] = [
            {"block": block, "number": n, "done": block.id in done}
            for n, block in enumerate(self.lessons, start=1)
        ]
        context["progress"] = progress
        context["completed_count"] = len(done & set(self.lesson_ids))
        context["crumbs"] = selectors.breadcrumbs(self)
        context["cms_section"] = "training"
        return context


class TrainingEventPage(Page):
    """A dated training session, on site or online, that firm members register for.

    Registrations belong to the event, not to one language: they are kept on the
    page the event was first written as, and every translation shows that page's
    date, place, capacity and deadline.
    """

    summary = models.TextField(_("summary"), max_length=500)
    body = StreamField(ContentBlock(), verbose_name=_("programme"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveIntegerField(_("places"))
    registration_deadline = models.DateTimeField(_("registration deadline"))
    organiser = models.ForeignKey(
        "marketplace.User",
        verbose_name=_("organiser"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Marks attendance together with the CMS editors and programme officers."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                HelpPanel(
                    content=_(
                        "Date, place, capacity and deadline are shared by every language: "
                        "the version first written applies."
                    )
                ),
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                FieldRowPanel([FieldPanel("venue"), FieldPanel("online_url")]),
                FieldRowPanel([FieldPanel("capacity"), FieldPanel("registration_deadline")]),
                FieldPanel("organiser"),
            ],
            heading=_("Logistics"),
        ),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("search_words"),
        index.FilterField("starts_at"),
    ]
    parent_page_types = ["cms.TrainingIndexPage"]
    subpage_types = []
    template = "cms/pages/training_event_page.html"

    class Meta:
        verbose_name = _("training event")
        verbose_name_plural = _("training events")

    def clean(self):
        super().clean()
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The event must end after it starts.")
        if (
            self.registration_deadline
            and self.starts_at
            and self.registration_deadline > self.starts_at
        ):
            errors["registration_deadline"] = _("Registration must close before the event starts.")
        if not self.venue and not self.online_url:
            errors["venue"] = _("Give a venue, an online link, or both.")
        if errors:
            raise ValidationError(errors)

    def search_words(self):
        return segment(f"{self.title} {self.summary} {self.venue} {_stream_text(self.body)}")

    @property
    def is_past(self):
        return self.ends_at < timezone.now()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.event_context(self, request.user))
        context["crumbs"] = selectors.breadcrumbs(self)
        context["cms_section"] = "training"
        return context


class ArticleIndexPage(Page):
    """Policy and news, newest first, filtered by kind, tag and year."""

    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("search_words")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ArticlePage"]
    max_count_per_parent = 1
    template = "cms/pages/article_index_page.html"
    per_page = 10

    class Meta:
        verbose_name = _("policy and news index")

    def search_words(self):
        return segment(f"{self.title} {strip_tags(self.intro)}")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        listing = selectors.article_listing(self, request.GET)
        paginator = Paginator(listing.pop("articles"), self.per_page)
        context["page_obj"] = paginator.get_page(request.GET.get("page"))
        context.update(listing)
        return context


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ArticlePage(Page):
    """A policy text or a piece of news, dated and tagged."""

    class Kind(models.TextChoices):
        POLICY = "policy", _("Policy")
        NEWS = "news", _("News")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NEWS)
    date = models.DateField(_("date"), default=timezone.localdate)
    summary = models.TextField(_("summary"), max_length=500)
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("Who issued a policy, e.g. the municipal IP office; optional for news."),
    )
    body = StreamField(ContentBlock(), verbose_name=_("body"))
    tags = ClusterTaggableManager(through=ArticleTag, blank=True, verbose_name=_("tags"))

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("kind"), FieldPanel("date")]),
        FieldPanel("summary"),
        FieldPanel("source"),
        FieldPanel("body"),
        FieldPanel("tags"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("search_words"),
        index.FilterField("kind"),
        index.FilterField("date"),
    ]
    parent_page_types = ["cms.ArticleIndexPage"]
    subpage_types = []
    template = "cms/pages/article_page.html"

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def search_words(self):
        tags = " ".join(tag.name for tag in self.tags.all())
        return segment(f"{self.title} {self.summary} {tags} {_stream_text(self.body)}")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["crumbs"] = selectors.breadcrumbs(self)
        return context
