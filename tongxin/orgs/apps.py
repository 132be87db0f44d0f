from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class OrgsConfig(AppConfig):
    name = "tongxin.orgs"
    label = "orgs"
    verbose_name = gettext_lazy("组织")

    def ready(self) -> None:
        from tongxin.core import sensitivity as personal_fields

        from . import sensitivity

        personal_fields.register(sensitivity.CLASSIFICATION)
        from tongxin.core import audit, scoping

        from .scopes import compute_scope, primary_role_label

        # Who sees what follows the posts people hold (and grants, and their household).
        scoping.register_scope_computer(compute_scope)
        from .selectors import published_phones, register_config

        register_config()
        personal_fields.register_published_numbers(published_phones)
        audit.register_role_labeller(primary_role_label)
        # What the posts contribute to the people app (people sits below orgs).
        from tongxin.people import contributions, own_data

        from . import people_hooks

        own_data.register_sections(
            {"orgs.post": "posts", "orgs.absence": "absences"},
            people_hooks.post_sections,
            after="party_membership",
        )
        contributions.register(
            unit_finder=people_hooks.actor_units,
            eraser_finder=people_hooks.eraser_post,
            erasure_scrubber=people_hooks.end_posts_of_erased,
            person_page_context=people_hooks.person_page_context,
        )
