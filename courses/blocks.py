"""StreamField blocks for lessons and quiz banks.

Invariants enforced on save (admin, loader and code alike, because they live in ``clean``):
a question has at least one correct choice (exactly one for true/false), a video has a
transcript and either an uploaded file or an embed, an image has alt text, and rich text holds
only whitelisted elements and attributes (no ``<script>``, no ``on…=`` handlers).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.rich_text import RichText

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"]

NO_CORRECT_CHOICE = _("Mark at least one choice as the correct answer.")
TRUE_FALSE_SHAPE = _("A true/false question has exactly two choices, one of them correct.")
VIDEO_TRANSCRIPT_REQUIRED = _("A video needs a transcript, for trainees who cannot play it.")
VIDEO_SOURCE_REQUIRED = _("Upload a video file or give an embed address (one of the two).")


class SafeRichTextBlock(blocks.RichTextBlock):
    """Rich text whose stored HTML passes Wagtail's whitelist, whoever wrote it.

    The Draftail editor only produces whitelisted markup, but content also arrives from the
    loader, imports and code; cleaning here keeps ``<script>`` and event handlers out of every
    path.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        source = value.source if isinstance(value, RichText) else str(value or "")
        return RichText(sanitise_rich_text(source, self.features))


def sanitise_rich_text(html: str, features=None) -> str:
    """``html`` reduced to the elements and attributes the rich-text features allow."""
    # Imported here: the converter module loads models, and blocks are imported by models.
    from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter

    return EditorHTMLConverter(features=features or RICH_TEXT_FEATURES).whitelister.clean(html)


class ChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("answer"), max_length=400)
    is_correct = blocks.BooleanBlock(label=_("correct answer"), required=False)
    feedback = blocks.TextBlock(label=_("feedback"), required=False, help_text=_("Shown after answering."))

    class Meta:
        icon = "radio-full"
        label = _("choice")


class QuestionBlock(blocks.StructBlock):
    """A multiple-choice question; ``module`` (1-based) ties it to a module quiz, empty = whole course."""

    module = blocks.IntegerBlock(
        label=_("module number"),
        required=False,
        min_value=1,
        help_text=_("Leave empty for a course-level question (pre-test and post-test only)."),
    )
    prompt = blocks.TextBlock(label=_("question"))
    choices = blocks.ListBlock(ChoiceBlock(), min_num=2, label=_("choices"))

    class Meta:
        icon = "help"
        label = _("multiple-choice question")

    def clean(self, value):
        value = super().clean(value)
        correct = sum(1 for choice in value["choices"] if choice["is_correct"])
        if correct == 0:
            raise StructBlockValidationError(block_errors={"choices": ValidationError(NO_CORRECT_CHOICE)})
        return value


class TrueFalseQuestionBlock(QuestionBlock):
    class Meta:
        icon = "tick"
        label = _("true/false question")

    def clean(self, value):
        value = super().clean(value)
        if len(value["choices"]) != 2 or sum(1 for c in value["choices"] if c["is_correct"]) != 1:
            raise StructBlockValidationError(block_errors={"choices": ValidationError(TRUE_FALSE_SHAPE)})
        return value


class QuizBankBlock(blocks.StreamBlock):
    multiple_choice = QuestionBlock()
    true_false = TrueFalseQuestionBlock()


class KnowledgeCheckBlock(blocks.StructBlock):
    """A single self-check question inside a lesson; not scored."""

    prompt = blocks.TextBlock(label=_("question"))
    choices = blocks.ListBlock(ChoiceBlock(), min_num=2, label=_("choices"))
    explanation = blocks.TextBlock(label=_("explanation"), required=False)

    class Meta:
        icon = "help"
        label = _("knowledge check")
        template = "courses/blocks/knowledge_check.html"

    def clean(self, value):
        value = super().clean(value)
        if not any(choice["is_correct"] for choice in value["choices"]):
            raise StructBlockValidationError(block_errors={"choices": ValidationError(NO_CORRECT_CHOICE)})
        return value


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    alt_text = blocks.CharBlock(
        label=_("alternative text"), max_length=250, help_text=_("What the image shows, for screen readers.")
    )
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("image")
        template = "courses/blocks/image.html"


class VideoBlock(blocks.StructBlock):
    file = DocumentChooserBlock(label=_("uploaded video file"), required=False)
    embed = EmbedBlock(label=_("embed address"), required=False, help_text=_("For example a YouTube address."))
    transcript = blocks.TextBlock(label=_("transcript"), required=False)

    class Meta:
        icon = "media"
        label = _("video")
        template = "courses/blocks/video.html"

    def clean(self, value):
        value = super().clean(value)
        errors = {}
        if not (value.get("transcript") or "").strip():
            errors["transcript"] = ValidationError(VIDEO_TRANSCRIPT_REQUIRED)
        if bool(value.get("file")) == bool(value.get("embed")):
            errors["file"] = ValidationError(VIDEO_SOURCE_REQUIRED)
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    description = blocks.CharBlock(label=_("description"), required=False, max_length=250)

    class Meta:
        icon = "doc-full"
        label = _("downloadable document")
        template = "courses/blocks/document.html"


class ScenarioBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=200)
    situation = blocks.TextBlock(label=_("situation"))
    questions = blocks.ListBlock(blocks.CharBlock(max_length=400), label=_("questions for discussion"))

    class Meta:
        icon = "group"
        label = _("case scenario")
        template = "courses/blocks/scenario.html"


class KeyPointsBlock(blocks.StructBlock):
    points = blocks.ListBlock(blocks.CharBlock(max_length=400), min_num=1, label=_("key points"))

    class Meta:
        icon = "list-ul"
        label = _("key points")
        template = "courses/blocks/key_points.html"


class LessonBodyBlock(blocks.StreamBlock):
    text = SafeRichTextBlock(label=_("text"))
    image = ImageBlock()
    video = VideoBlock()
    document = DocumentBlock()
    scenario = ScenarioBlock()
    key_points = KeyPointsBlock()
    knowledge_check = KnowledgeCheckBlock()
