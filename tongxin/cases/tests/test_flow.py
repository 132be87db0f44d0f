"""The main path of a case, end to end through the services: report on a map point in grid 1,
routed to its grid worker, accepted, handled, resolved, 满意, closed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tongxin.cases import services
from tongxin.cases.models import Case, CaseEvent, RoutingDecision
from tongxin.cases.workflow import State
from tongxin.inbox.models import Message

# A Tuesday morning, a working day.
MORNING = dt.datetime(2026, 11, 17, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def point_in(grid):
    return grid.centroid_lat, grid.centroid_lng


@pytest.mark.django_db
def test_report_route_handle_close(demo):
    resident, grid1 = demo.user("resident"), demo.user("grid1")
    lat, lng = point_in(demo.grid(1))
    case = services.case_report(
        actor=resident,
        category="municipal.manhole",
        description="小区门口井盖缺失，晚上很危险",
        lat=lat,
        lng=lng,
        now=MORNING,
    )
    assert case.state == State.REPORTED
    assert case.grid == demo.grid(1)
    assert case.assignee_person_id == grid1.person_id
    assert case.owner_id == grid1.person_id
    assert case.reporter_person_id == resident.person_id
    assert case.ref.startswith("SQ20261117")
    decision = RoutingDecision.objects.get(case=case)
    assert "第1网格" in decision.reason and not decision.override
    assert case.accept_due and case.resolve_due
    assert Message.objects.filter(recipient_id=grid1.person_id, topic=f"case:{case.pk}").exists()

    later = MORNING + dt.timedelta(minutes=20)
    services.case_act(actor=grid1, case_id=case.pk, act="accept", now=later)
    services.case_act(
        actor=grid1, case_id=case.pk, act="start", data={"note": "已到现场"}, now=later
    )
    case = services.case_act(
        actor=grid1, case_id=case.pk, act="resolve", data={"result": "已更换井盖"}, now=later
    )
    assert case.state == State.RESOLVED and case.resolved_on_time is True
    case = services.case_act(
        actor=resident, case_id=case.pk, act="feedback", data={"rating": "satisfied"}, now=later
    )
    assert case.state == State.CLOSED
    acts = list(CaseEvent.objects.filter(case=case).values_list("act", flat=True))
    assert acts == ["report", "route", "accept", "start", "resolve", "feedback"]
    assert Case.objects.visible_to(demo.user("grid2")).filter(pk=case.pk).count() == 0
    assert timezone.is_aware(case.closed_at)
