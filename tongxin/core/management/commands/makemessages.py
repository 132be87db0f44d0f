"""``makemessages`` that also collects ``core.i18n.lazy_str("…")`` (a lazy text typed ``str``)."""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=lazy_str"]
