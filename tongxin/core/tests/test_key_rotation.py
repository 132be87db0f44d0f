"""Key rotation re-encrypts everything while lookups keep working; no clear values in the dump."""

import io

from django.core.management import call_command
from django.db import connection

from tongxin.core import vault
from tongxin.people.models import Person
from tongxin.people.selectors import search_q
from tongxin.people.services import PersonData, person_create

OLD = "test-key-" + "0" * 55  # the test settings' key
NEW = "rotated-key-" + "1" * 52


def test_rotation_without_downtime(demo, settings):
    person = person_create(
        actor=None,
        data=PersonData(name="轮换测试", id_number="11010519491231002X", phone="13912345678"),
    )
    old_kid = vault.keys().key_id
    settings.TONGXIN_PII_KEY, settings.TONGXIN_PII_OLD_KEYS = NEW, OLD
    vault.forget_keys()
    try:
        # Before the rotation ran: old ciphertexts decrypt, old hashes still match.
        assert Person.objects.filter(search_q("13912345678")).get() == person
        out = io.StringIO()
        call_command("rotate_pii_key", "--batch", "2000", stdout=out)
        assert "完成" in out.getvalue()
        person.refresh_from_db()
        assert person.phone_cipher.startswith(f"v1:{vault.keys().key_id}:")
        assert not Person.objects.filter(id_number_cipher__contains=f":{old_kid}:").exists()
        # The old key can go now.
        settings.TONGXIN_PII_OLD_KEYS = ""
        vault.forget_keys()
        assert Person.objects.filter(search_q("11010519491231002X")).get() == person
        assert vault.decrypt(person.phone_cipher, context="person.phone") == "13912345678"
    finally:
        settings.TONGXIN_PII_KEY, settings.TONGXIN_PII_OLD_KEYS = OLD, ""
        vault.forget_keys()


def test_raw_database_holds_no_seeded_value_in_clear(demo):
    """Read every text column of the person table as the database stores it."""
    sample = list(Person.objects.exclude(phone_cipher="")[:200])
    clear = {vault.decrypt(p.phone_cipher, context="person.phone") for p in sample}
    clear |= {vault.decrypt(p.id_number_cipher, context="person.id_number") for p in sample}
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {Person._meta.db_table}")
        dump = "\n".join("|".join(str(v) for v in row) for row in cur.fetchall())
    assert len(dump) > 100_000
    leaked = [v for v in clear if v in dump]
    assert leaked == []
