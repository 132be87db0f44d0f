from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PeopleConfig(AppConfig):
    name = "tongxin.people"
    label = "people"
    verbose_name = gettext_lazy("人口")

    def ready(self) -> None:
        from tongxin.core import sensitivity as personal_fields

        from . import sensitivity

        personal_fields.register(sensitivity.CLASSIFICATION)
        from tongxin.core import vault

        from .services import ID_CONTEXT, PHONE_CONTEXT

        vault.register_sealed(
            "people.Person", "id_number_cipher", context=ID_CONTEXT, hash_field="id_number_hash"
        )
        vault.register_sealed(
            "people.Person", "phone_cipher", context=PHONE_CONTEXT, hash_field="phone_hash"
        )
        # A requested correction of an ID or phone number is sealed under that field's context.
        contexts = {"id_number": ID_CONTEXT, "phone": PHONE_CONTEXT}
        vault.register_sealed(
            "people.CorrectionRequest",
            "requested_cipher",
            context_of=lambda row: contexts[row.field],
        )
