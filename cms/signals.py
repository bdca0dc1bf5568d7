"""A home page translated into a new language takes the language code as its slug (/ckb/…)."""

from django.dispatch import receiver
from wagtail.signals import copy_for_translation_done

from cms.models import HomePage


@receiver(copy_for_translation_done)
def home_page_translated(sender, source_obj, target_obj, **kwargs) -> None:
    if isinstance(target_obj, HomePage):
        code = target_obj.locale.language_code
        if not HomePage.objects.sibling_of(target_obj).filter(slug=code).exists():
            target_obj.slug = code
            target_obj.save(update_fields=["slug"])
