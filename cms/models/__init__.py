from cms.models.faq import FaqEntry, FaqRelatedPage
from cms.models.pages import (
    ArticleIndexPage,
    ArticlePage,
    ArticleTag,
    CoursePage,
    HomePage,
    TrainingEventPage,
    TrainingIndexPage,
)
from cms.models.training import CourseProgress, EventRegistration

__all__ = [
    "ArticleIndexPage",
    "ArticlePage",
    "ArticleTag",
    "CoursePage",
    "CourseProgress",
    "EventRegistration",
    "FaqEntry",
    "FaqRelatedPage",
    "HomePage",
    "TrainingEventPage",
    "TrainingIndexPage",
]
