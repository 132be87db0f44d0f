from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class MeetingsConfig(AppConfig):
    name = "tongxin.meetings"
    label = "meetings"
    verbose_name = gettext_lazy("会议")

    def ready(self) -> None:
        from tongxin.core import config_cache

        from .models import MeetingKind
        from .selectors import KINDS_ENTRY, load_kinds

        config_cache.entry(KINDS_ENTRY, load_kinds, MeetingKind)

        from tongxin.core import sensitivity as personal_fields

        from . import sensitivity

        personal_fields.register(sensitivity.CLASSIFICATION)
        from tongxin.people.own_data import register_sections

        from .own_data import LINKED, sections

        register_sections(LINKED, sections)
