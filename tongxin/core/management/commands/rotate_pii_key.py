"""Re-encrypt every sealed value with the current key, in small batches, while the system runs.

Rotation without downtime:
1. put the new secret first (``TONGXIN_PII_KEY``, or the first line of the key file) and keep
   the old one configured (``TONGXIN_PII_OLD_KEYS``, or a later line of the key file); restart;
   from then on new values use the new key, old ones still decrypt, and lookups match hashes
   under either key;
2. run this command; it re-encrypts and re-hashes the rows still under an old key, a batch per
   short transaction, and can be interrupted and run again;
3. when it reports nothing left, remove the old secret and restart.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, vault
from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str


class Command(TranslatedCommand):
    help = lazy_str("用当前密钥重新加密所有加密字段（可在系统运行时分批执行）")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        vault.forget_keys()
        current = vault.keys()
        total = 0
        for sealed in vault.SEALED_FIELDS:
            model = apps.get_model(sealed.model_label)
            manager = model._base_manager
            stale = manager.exclude(**{sealed.cipher_field: ""}).exclude(
                **{f"{sealed.cipher_field}__startswith": f"{vault.CIPHER_PREFIX}:{current.key_id}:"}
            )
            done = 0
            while True:
                pks = list(stale.order_by("pk").values_list("pk", flat=True)[:batch])
                if not pks:
                    break
                with transaction.atomic():
                    rows = list(manager.select_for_update().filter(pk__in=pks).order_by("pk"))
                    for row in rows:
                        token = getattr(row, sealed.cipher_field)
                        if not token or vault.is_current(token):
                            continue
                        context = sealed.context_for(row)
                        value = vault.decrypt(token, context=context)
                        setattr(row, sealed.cipher_field, vault.encrypt(value, context=context))
                        if sealed.hash_field:
                            setattr(
                                row,
                                sealed.hash_field,
                                vault.lookup_hash(value, context=context),
                            )
                    fields = [sealed.cipher_field] + (
                        [sealed.hash_field] if sealed.hash_field else []
                    )
                    manager.bulk_update(rows, fields)
                done += len(pks)
            self.stdout.write(
                _("{model_label}.{cipher_field}：重新加密 {done} 条").format(
                    model_label=sealed.model_label, cipher_field=sealed.cipher_field, done=done
                )
            )
            total += done
        audit.record(
            actor=None, action="pii_key_rotate", detail={"key_id": current.key_id, "rows": total}
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("完成：共 {total} 条已改用密钥 {key_id}。确认无误后可移除旧密钥。").format(
                    total=total, key_id=current.key_id
                )
            )
        )
