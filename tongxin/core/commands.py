"""The base of our management commands: its ``help`` may be a lazy translation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class TranslatedCommand(BaseCommand):
    """A ``BaseCommand`` whose ``help`` is translated when the parser is built (``manage.py
    … --help`` in the operator's language): argparse itself only takes a ``str``."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)
