"""吹哨报到: the community calls two departments in; each reports in (late or not) and does
its part; the case resolves when both are done. A department sees only what concerns it."""

from __future__ import annotations

import datetime as dt

import pytest

from tongxin.accounts.models import User
from tongxin.cases import policies, selectors
from tongxin.cases.models import Case, CaseEvent, DepartmentCall
from tongxin.cases.workflow import State, TransitionRefused
from tongxin.core.errors import Forbidden, NotFound, ValidationFailed
from tongxin.inbox.models import Message
from tongxin.orgs.models import Post
from tongxin.people.models import Person

from .support import MORNING, act, department, events, report

pytestmark = pytest.mark.dates

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def housing_officer(db):
    """A person with a post in the street's 住建 department, and their account."""
    person = Person.objects.create(name="钱建安")
    Post.objects.create(
        person=person, role="department_officer", organisation=department("housing")
    )
    return User.objects.create_user(username="housing", person=person)


@pytest.fixture
def escalated(demo, housing_officer):
    case = report(demo, description="老楼外墙开裂，违章加建的阳台有坠落风险")
    assert Case.objects.visible_to(demo.user("dept")).filter(pk=case.pk).count() == 0
    act(demo, "grid1", case, "accept")
    return act(
        demo,
        "grid1",
        case,
        "escalate",
        now=MORNING + HOUR,
        org_ids=[department().pk, department("housing").pk],
        note="需城管拆除违建、住建鉴定房屋安全",
    )


@pytest.mark.django_db
def test_two_departments_report_in_and_the_case_resolves_when_both_are_done(
    demo, escalated, housing_officer
):
    case = escalated
    dept, housing = demo.user("dept"), housing_officer
    assert case.state == State.ESCALATED
    calls = {c.organisation.department_kind: c for c in case.calls.all()}
    assert set(calls) == {"urban_management", "housing"}
    due = MORNING + HOUR + dt.timedelta(minutes=24 * 60)  # normal priority: 24 h to report in
    assert {c.report_due for c in calls.values()} == {due}
    assert {c.status for c in calls.values()} == {DepartmentCall.Status.CALLED}
    # Each department's people were told.
    for user in (dept, housing):
        assert Message.objects.filter(
            recipient=user.person, kind="case_called", topic=f"case:{case.pk}"
        ).exists()
        assert case in selectors.worklist(user, "escalated")
        assert set(policies.allowed_acts(user, case)) == {"report_in", "note"}

    # 城管 reports in on time, not yet done.
    case = act(demo, dept, case, "report_in", now=MORNING + 2 * HOUR, note="已到场")
    call = DepartmentCall.objects.get(pk=calls["urban_management"].pk)
    assert call.status == DepartmentCall.Status.REPORTED_IN and not call.late
    assert call.reported_by == dept and call.reported_at == MORNING + 2 * HOUR
    assert case.state == State.ESCALATED

    # 住建 reports in late and does its part at once.
    late = due + HOUR
    case = act(demo, housing, case, "report_in", now=late, result="已鉴定为C级危房", done=True)
    call = DepartmentCall.objects.get(pk=calls["housing"].pk)
    assert call.status == DepartmentCall.Status.DONE and call.late
    assert call.result == "已鉴定为C级危房" and call.done_at == late
    assert case.state == State.ESCALATED  # 城管 has not finished
    assert "parts_done" not in events(case)
    # 住建 has nothing left to report on.
    with pytest.raises(Forbidden):
        act(demo, housing, case, "report_in", now=late, note="再报一次")
    assert "report_in" not in policies.allowed_acts(housing, case)

    # Done without saying what was done is refused.
    with pytest.raises(ValidationFailed) as caught:
        act(demo, dept, case, "report_in", now=late, done=True)
    assert caught.value.fields[0]["field"] == "result"

    case = act(demo, dept, case, "report_in", now=late + HOUR, result="违建阳台已拆除", done=True)
    assert case.state == State.RESOLVED
    assert case.resolved_at == late + HOUR
    assert "广场城管执法中队：违建阳台已拆除" in case.result
    assert "住建局房屋安全站：已鉴定为C级危房" in case.result
    parts = CaseEvent.objects.get(case=case, act="parts_done")
    assert parts.from_state == State.ESCALATED and parts.to_state == State.RESOLVED
    assert events(case)[-2:] == ["report_in", "parts_done"]
    # The reporter is asked for feedback, the owner told.
    assert Message.objects.filter(
        recipient=demo.user("resident").person, topic=f"case:{case.pk}", kind="case_status"
    ).exists()
    with pytest.raises(TransitionRefused):
        act(demo, dept, case, "report_in", now=late + 2 * HOUR, note="补充")
    assert act(demo, "resident", case, "feedback", rating="satisfied").state == State.CLOSED


@pytest.mark.django_db
def test_report_in_on_behalf_of_one_department_by_org_id(demo, escalated):
    with pytest.raises(ValidationFailed):
        act(demo, "dept", escalated, "report_in", org_id=department("housing").pk, note="x")
    case = act(demo, "dept", escalated, "report_in", org_id=department().pk, note="已到场")
    assert case.calls.get(organisation=department()).status == DepartmentCall.Status.REPORTED_IN


@pytest.mark.django_db
def test_escalating_again_only_to_new_departments(demo, escalated):
    with pytest.raises(ValidationFailed) as caught:
        act(demo, "secretary", escalated, "escalate", org_ids=[department().pk], note="再吹")
    assert caught.value.fields[0]["field"] == "org_ids"
    case = act(
        demo,
        "secretary",
        escalated,
        "escalate",
        now=MORNING + 2 * HOUR,
        org_ids=[department("fire").pk],
        note="消防通道被占",
        minutes=30,
    )
    call = case.calls.get(organisation=department("fire"))
    assert call.report_due == MORNING + 2 * HOUR + dt.timedelta(minutes=30)
    assert case.calls.count() == 3


@pytest.mark.django_db
def test_the_owner_may_resolve_an_escalated_case_itself(demo, escalated):
    case = act(demo, "grid1", escalated, "resolve", result="社区协调业主自行拆除")
    assert case.state == State.RESOLVED


@pytest.mark.django_db
def test_a_department_sees_only_what_concerns_it(demo, escalated, housing_officer):
    dept = demo.user("dept")
    um = department()
    visible = Case.objects.visible_to(dept)
    assert escalated in visible
    called = set(DepartmentCall.objects.filter(organisation=um).values_list("case_id", flat=True))
    for case in visible:
        assert case.assignee_org_id == um.pk or case.pk in called, case
    # A case in the same grid, not escalated, stays out of sight.
    other = report(demo, description="楼道灯不亮")
    assert other not in Case.objects.visible_to(dept)
    with pytest.raises(NotFound):
        act(demo, dept, other, "note", note="看一眼")
    # The 住建 officer sees the escalated case and what is routed to 住建, nothing else.
    housing = department("housing")
    seen = list(Case.objects.visible_to(housing_officer))
    assert escalated in seen and other not in seen
    called = set(
        DepartmentCall.objects.filter(organisation=housing).values_list("case_id", flat=True)
    )
    assert all(c.assignee_org_id == housing.pk or c.pk in called for c in seen)
    assert escalated not in selectors.worklist(housing_officer, "mine")
    assert escalated in selectors.worklist(housing_officer, "escalated")
    # Another grid's worker does not see it.
    assert escalated not in Case.objects.visible_to(demo.user("grid2"))
