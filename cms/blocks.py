"""The one block set every page body and every lesson is written with."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link"]


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "cms/blocks/image.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    description = blocks.CharBlock(label=_("description"), required=False, max_length=250)

    class Meta:
        icon = "doc-full"
        label = _("Document to download")
        template = "cms/blocks/document.html"


class VideoBlock(blocks.StructBlock):
    """A video file uploaded to the document library and played by the browser itself.

    Served from our own storage: no third-party player, nothing loaded from elsewhere.
    """

    video = DocumentChooserBlock(
        label=_("video file"), help_text=_("An MP4 or WebM file from the document library.")
    )
    poster = ImageChooserBlock(label=_("poster image"), required=False)
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=250)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "cms/blocks/video.html"


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=120)
    text = blocks.RichTextBlock(label=_("text"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "warning"
        label = _("Call-out")
        template = "cms/blocks/callout.html"


class ContentBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("Heading"),
        max_length=120,
        form_classname="title",
        template="cms/blocks/heading.html",
    )
    paragraph = blocks.RichTextBlock(label=_("Paragraph"), features=RICH_TEXT_FEATURES)
    image = ImageBlock()
    document = DocumentBlock()
    video = VideoBlock()
    callout = CalloutBlock()

    class Meta:
        label = _("Content")


class LessonBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("lesson title"), max_length=120)
    minutes = blocks.IntegerBlock(label=_("minutes"), required=False, min_value=1, max_value=600)
    content = ContentBlock(label=_("lesson content"))

    class Meta:
        icon = "list-ol"
        label = _("Lesson")
