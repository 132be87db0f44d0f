"""The demo's accounts: one per demo role, and the three administrators (三员)."""

from __future__ import annotations

from django.conf import settings

from tongxin.accounts.models import AdminDuty, User
from tongxin.people.models import PoliticalStatus, Relation

from .common import GeneratorBase


class UsersMixin(GeneratorBase):
    def build_users(self) -> dict[str, str]:
        password = settings.TONGXIN_DEMO_PASSWORD
        people = dict(self.demo_people)
        first_grid = self.built.grids[0]
        resident = next(
            p
            for _hh, ms in self.all_persons()
            for p in ms
            if p.grid_id == first_grid.pk
            and p.relation == Relation.HEAD
            and p.pk not in self.post_holders
            and p.political_status == PoliticalStatus.MASSES
        )
        people["resident"] = resident
        labels = {
            "street": "街道干部",
            "secretary": "社区书记",
            "grid1": "网格员（第1网格）",
            "grid2": "网格员（第2网格）",
            "building": "楼栋长",
            "member": "党员",
            "resident": "居民",
            "dept": "部门工作人员（城管）",
        }
        made: dict[str, str] = {}
        for username, person in people.items():
            if username not in labels:
                continue
            u = User(username=username, person=person, display_name=person.name)
            u.set_password(password)
            u.save()
            made[username] = labels[username]
        for username, duty, label in (
            ("sysadmin", AdminDuty.SYSTEM, "系统管理员"),
            ("secadmin", AdminDuty.SECURITY, "安全管理员"),
            ("auditor", AdminDuty.AUDIT, "审计管理员"),
        ):
            u = User(
                username=username,
                admin_duty=duty,
                display_name=label,
                is_staff=True,
                is_superuser=(duty == AdminDuty.SYSTEM),
            )
            u.set_password(password)
            u.save()
            made[username] = label
        from tongxin.accounts.demo import mark_demo_database  # the demo flag (banner, no 2FA)

        mark_demo_database()
        return made
