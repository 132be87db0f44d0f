from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PartylifeConfig(AppConfig):
    name = "tongxin.partylife"
    label = "partylife"
    verbose_name = gettext_lazy("党组织生活与评星定级")

    def ready(self) -> None:
        from tongxin.core import sensitivity as personal_fields

        from . import sensitivity

        personal_fields.register(sensitivity.CLASSIFICATION)
        from tongxin.people.own_data import register_sections

        from .own_data import LINKED, sections

        register_sections(LINKED, sections)
