"""Count a vote again from its stored ballots and compare with the stored result; exit
non-zero when they differ (or the ballots do not match the electors' "has voted" marks)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str
from tongxin.deliberation import counting
from tongxin.deliberation.models import Elector, Vote
from tongxin.deliberation.services.votes import totals_of


class Command(TranslatedCommand):
    help = lazy_str("由已存选票重新计票，并与已公布的表决结果核对")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("vote_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        vote = Vote.objects.filter(pk=options["vote_id"]).first()
        if vote is None:
            raise CommandError(_("没有这次表决"))
        body = counting.result_body(vote.rule, totals_of(vote), final=vote.result is not None)
        recount = counting.stored_part(body)
        self.stdout.write(json.dumps(recount, ensure_ascii=False, sort_keys=True))
        marked = Elector.objects.filter(vote=vote, voted=True).count()
        if marked != body["participating_heads"]:
            raise CommandError(
                _("已投票标记 {marked} 个，选票 {ballots} 张，不一致").format(
                    marked=marked, ballots=body["participating_heads"]
                )
            )
        if vote.result is None:
            self.stdout.write(_("表决尚未结束：以上为当前计票。"))
            return
        if vote.result != recount:
            raise CommandError(_("重新计票结果与已公布结果不一致"))
        self.stdout.write(self.style.SUCCESS(_("重新计票结果与已公布结果一致。")))
