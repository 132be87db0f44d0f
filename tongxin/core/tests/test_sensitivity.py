"""Every field of every model that holds personal data is classified; stale entries fail too."""

from django.apps import apps

from tongxin.core.sensitivity import CLASSIFICATION


def personal_models():
    person = apps.get_model("people", "Person")
    user = apps.get_model("accounts", "User")
    household = apps.get_model("people", "Household")
    for model in apps.get_models():
        if not model.__module__.startswith("tongxin."):
            continue
        linked = any(
            getattr(f, "related_model", None) in (person, user, household)
            for f in model._meta.concrete_fields
        )
        if model in (person, user, household) or linked:
            yield model


def test_every_personal_field_is_classified():
    missing = {}
    for model in personal_models():
        label = model._meta.label_lower
        fields = {f.name for f in model._meta.concrete_fields}
        entry = CLASSIFICATION.get(label)
        unclassified = fields - (entry.all() if entry else set())
        if unclassified:
            missing[label] = sorted(unclassified)
    assert missing == {}, f"classify these fields in tongxin/core/sensitivity.py: {missing}"


def test_no_stale_or_double_entries():
    problems = []
    for label, entry in CLASSIFICATION.items():
        model = apps.get_model(label)
        fields = {f.name for f in model._meta.concrete_fields}
        stale = entry.all() - fields
        if stale:
            problems.append(f"{label}: no such fields {sorted(stale)}")
        listed = [*entry.sensitive, *entry.general, *entry.structural]
        if len(listed) != len(set(listed)):
            problems.append(f"{label}: a field is classified twice")
    assert problems == []


def test_sealed_fields_are_sensitive():
    from tongxin.core import vault
    from tongxin.core.sensitivity import SENSITIVE, classify

    labels = {(f.model_label, f.cipher_field) for f in vault.SEALED_FIELDS}
    assert {
        ("people.Person", "id_number_cipher"),
        ("people.Person", "phone_cipher"),
        ("people.CorrectionRequest", "requested_cipher"),
        ("accounts.TotpDevice", "secret_encrypted"),
    } <= labels
    for sealed in vault.SEALED_FIELDS:
        assert classify(sealed.model_label, sealed.cipher_field) == SENSITIVE
        if sealed.hash_field:
            assert classify(sealed.model_label, sealed.hash_field) == SENSITIVE
