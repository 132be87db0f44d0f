"""Pages of deliberation and votes: residents' phone pages (topics, comment, vote, receipt),
the council's (set-up, the live meter, close, the six steps), the printable notice (张榜) and
result. Thin: parse, authorise, call, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.core import clock
from tongxin.core.actors import ActorRequest
from tongxin.core.errors import Code, DomainError, Forbidden, NotFound, ValidationFailed
from tongxin.core.scoping import scope_for
from tongxin.places.models import Place
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate

from . import selectors, services
from .errors import DeliberationCode
from .models import Channel, Choice, Electorate, RecordKind, Rule, TopicState, VoteState
from .workflow import TOPIC_MACHINE, TopicAct


def _number(value: Any) -> int:
    """A posted id; 0 (nothing) for anything that is not one."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 10 else 0


def _refusal(request: ActorRequest, exc: DomainError) -> None:
    if isinstance(exc, NotFound | Forbidden) and exc.code != DeliberationCode.NOT_AN_ELECTOR:
        raise exc
    messages.error(request, exc.message)


# ---------------------------------------------------------------------------- votes


@personal_page
def votes(request: ActorRequest) -> HttpResponse:
    """The votes the caller may see: theirs to cast, and those of the places they manage."""
    user = request.user
    page = paginate(request, selectors.votes_for(user))
    rows = [(v, selectors.my_status(user, v)) for v in page.object_list]
    return render(
        request,
        "deliberation/votes.html",
        {"page_obj": page, "rows": rows, "may_open": bool(scope_for(user).manager_paths)},
    )


def _managed_places(user: Any) -> list[Place]:
    roots = scope_for(user).manager_paths
    if not roots:
        return []
    qs = Place.objects.visible_to(user).filter(kind__in=("community", "grid", "estate"))
    return [p for p in qs.order_by("path")[:400] if any(p.path.startswith(r) for r in roots)]


@personal_page
def vote_new(request: ActorRequest) -> HttpResponse:
    """The council sets up a vote: what, who (the electorate), where, by which rule, until
    when."""
    user = request.user
    places = _managed_places(user)
    if not places:
        raise Forbidden(_("只有社区管理人员可以发起表决"), code=Code.ACTION_FORBIDDEN)
    form: dict[str, Any] = {
        "title": "",
        "electorate": Electorate.OWNERS,
        "rule": Rule.ART278_ORDINARY,
        "days": 7,
        "secret": True,
        "place_id": "",
    }
    if request.method == "POST":
        form = {
            "title": request.POST.get("title", ""),
            "electorate": request.POST.get("electorate", ""),
            "rule": request.POST.get("rule", ""),
            "days": request.POST.get("days", "7"),
            "secret": request.POST.get("secret") == "on",
            "place_id": request.POST.get("place_id", ""),
        }
        days = _number(form["days"])
        try:
            if not 1 <= days <= 60:
                reason = _("投票期应为1至60天")
                raise ValidationFailed(reason, fields=[{"field": "days", "reason": reason}])
            vote = services.vote_open(
                actor=user,
                title=form["title"],
                electorate=form["electorate"],
                place_id=_number(form["place_id"]),
                rule=form["rule"],
                closes_at=clock.now() + dt.timedelta(days=days),
                secret=form["secret"],
                description=request.POST.get("description", "")[:2000],
            )
        except DomainError as exc:
            _refusal(request, exc)
        else:
            messages.success(request, _("表决已发起，表决人名单已按登记信息生成并锁定"))
            return redirect("deliberation:vote", vote.pk)
    return render(
        request,
        "deliberation/vote_new.html",
        {
            "places": places,
            "form": form,
            "electorates": Electorate.choices,
            "rules": Rule.choices,
        },
    )


@personal_page
def vote(request: ActorRequest, vote_id: int) -> HttpResponse:
    """One vote on the phone: the meter (live), the ballot if the caller has one to cast,
    the receipt check."""
    user = request.user
    v = selectors.vote_for(user, vote_id)
    ctx = {
        "vote": v,
        "me": selectors.my_status(user, v),
        "result": selectors.result_of(v),
        "choices": Choice.choices,
        "manager": selectors.may_manage(user, v),
        "open": v.state == VoteState.OPEN and clock.now() < v.closes_at,
        "receipt": request.session.pop(f"vote-receipt-{v.pk}", None),
    }
    return render(request, "deliberation/vote.html", ctx)


@personal_page
@require_POST
def ballot(request: ActorRequest, vote_id: int) -> HttpResponse:
    user = request.user
    v = selectors.vote_for(user, vote_id)
    try:
        r = services.ballot_cast(actor=user, vote=v, choice=request.POST.get("choice", ""))
    except DomainError as exc:
        _refusal(request, exc)
    else:
        # Shown once on the next page, then gone: the server keeps only its hash.
        request.session[f"vote-receipt-{v.pk}"] = {"code": r.code, "units": r.units}
        messages.success(request, _("投票成功，请保存您的回执码"))
    return redirect("deliberation:vote", v.pk)


@personal_page
@require_POST
def receipt(request: ActorRequest, vote_id: int) -> HttpResponse:
    user = request.user
    v = selectors.vote_for(user, vote_id)
    choices = services.receipt_check(v, request.POST.get("receipt", ""))
    if choices:
        labels = "、".join(str(Choice(c).label) for c in choices)
        messages.success(request, _("回执有效：您的选票已计入（{choices}）").format(choices=labels))
    else:
        messages.error(request, _("没有找到这张回执对应的选票，请核对回执码"))
    return redirect("deliberation:vote", v.pk)


@personal_page
@require_POST
def vote_close(request: ActorRequest, vote_id: int) -> HttpResponse:
    user = request.user
    v = selectors.vote_for(user, vote_id)
    try:
        services.vote_close(actor=user, vote=v)
        messages.success(request, _("表决已结束，结果已生成"))
    except DomainError as exc:
        _refusal(request, exc)
    return redirect("deliberation:vote_result", v.pk)


@personal_page
def vote_result(request: ActorRequest, vote_id: int) -> HttpResponse:
    """The public, printable result: the count and the units with their areas, never a
    name."""
    v = selectors.vote_for(request.user, vote_id)
    return render(
        request,
        "deliberation/vote_result.html",
        {"vote": v, "result": selectors.result_of(v), "units": selectors.public_units(v)},
    )


# ---------------------------------------------------------------------------- topics


@personal_page
def topics(request: ActorRequest) -> HttpResponse:
    user = request.user
    qs = selectors.topics_for(user)
    state = request.GET.get("state", "")
    if state in TopicState.values:
        qs = qs.filter(state=state)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(title__icontains=q)
    # Classified: by category (as proposed or taken up) and by the channel it came from.
    categories = list(
        selectors.topics_for(user)
        .exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()[:40]
    )
    category = request.GET.get("category", "")[:40]
    if category:
        qs = qs.filter(category=category)
    channel = request.GET.get("channel", "")
    if channel in Channel.values:
        qs = qs.filter(channel=channel)
    person = getattr(user, "person", None)
    homes = []
    if person is not None and person.place_path:
        p = person.place_path
        homes = list(
            Place.objects.visible_to(user)
            .filter(path__in=[p[:k] for k in range(4, len(p) + 1, 4)])
            .filter(kind__in=("community", "grid", "estate", "building"))
            .order_by("path")
        )
    return render(
        request,
        "deliberation/topics.html",
        {
            "page_obj": paginate(request, qs),
            "states": TopicState.choices,
            "state": state,
            "q": q,
            "categories": categories,
            "category": category,
            "channels": Channel.choices,
            "channel": channel,
            "homes": homes or _managed_places(user)[:50],
        },
    )


@personal_page
@require_POST
def topic_new(request: ActorRequest) -> HttpResponse:
    user = request.user
    try:
        t = services.topic_propose(
            actor=user,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
            place_id=_number(request.POST.get("place_id")),
            category=request.POST.get("category", ""),
        )
    except DomainError as exc:
        _refusal(request, exc)
        return redirect("deliberation:topics")
    messages.success(request, _("议题已提交"))
    return redirect("deliberation:topic", t.pk)


@personal_page
@require_POST
def topic_from_case(request: ActorRequest, case_id: int) -> HttpResponse:
    """One step from a case of category 意见建议 to a topic."""
    try:
        t = services.topic_from_case(actor=request.user, case_id=case_id)
    except DomainError as exc:
        _refusal(request, exc)
        return redirect("cases:detail", case_id)
    messages.success(request, _("已转为议题"))
    return redirect("deliberation:topic", t.pk)


@personal_page
@require_POST
def topic_from_log(request: ActorRequest, entry_id: int) -> HttpResponse:
    """A daily-log entry (民情日志) raises a topic, from the entry's page (the form the raiser
    deliberation registers with notices puts there)."""
    from tongxin.notices.raising import entry_for_raising

    from .log_raising import TOPIC_RAISER

    entry = entry_for_raising(request.user, entry_id)
    try:
        TOPIC_RAISER.raise_from(
            actor=request.user,
            entry=entry,
            kind=request.POST.get("kind", ""),
            description=request.POST.get("description", "")[:500],
            household_id=None,
        )
    except DomainError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("已转为议题，进入六步议事。"))
    return redirect("notices:log_detail", entry_id=entry_id)


@personal_page
def topic(request: ActorRequest, topic_id: int) -> HttpResponse:
    user = request.user
    t = selectors.topic_for(user, topic_id)
    manager = selectors.may_manage_path(user, t.place_path)
    records = list(t.records.select_related("actor__person"))
    acts = [
        (a, TopicAct(a).label)
        for a in TOPIC_MACHINE.acts_from(t.state)
        if manager or a in ("support", "comment", "evaluate")
    ]
    return render(
        request,
        "deliberation/topic.html",
        {
            "topic": t,
            "records": records,
            "acts": acts,
            "manager": manager,
            "comments": [r for r in records if r.kind == RecordKind.COMMENT],
            "votes": list(selectors.votes_for(user).filter(topic=t)),
            "electorates": Electorate.choices,
            "rules": Rule.choices,
            "merge_targets": selectors.merge_targets(user, t) if manager else [],
            "merged": list(selectors.topics_for(user).filter(merged_into=t)),
        },
    )


@personal_page
@require_POST
def topic_act(request: ActorRequest, topic_id: int, act: str) -> HttpResponse:
    user = request.user
    t = selectors.topic_for(user, topic_id)
    data: dict[str, Any] = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    for key in ("reviewers", "changes"):
        if key in data:
            data[key] = [s for s in str(data[key]).splitlines() if s.strip()]
    if "days" in data and act == TopicAct.PUT_TO_VOTE:
        days = _number(data.pop("days"))
        data["closes_at"] = clock.now() + dt.timedelta(days=days) if 0 < days <= 366 else ""
    if act == TopicAct.PUT_TO_VOTE:
        data["secret"] = data.get("secret") == "on"
    try:
        services.topic_act(actor=user, topic=t, act=act, data=data)
        messages.success(request, _("已保存"))
    except DomainError as exc:
        _refusal(request, exc)
    return redirect(reverse("deliberation:topic", args=[t.pk]))


@personal_page
def topic_notice(request: ActorRequest, topic_id: int) -> HttpResponse:
    """The printable 张榜公示: the latest draft, the window, and how to comment."""
    t = selectors.topic_for(request.user, topic_id)
    draft = t.records.filter(kind=RecordKind.DRAFT).order_by("-id").first()
    notice = t.records.filter(kind=RecordKind.NOTICE).order_by("-id").first()
    return render(
        request,
        "deliberation/topic_notice.html",
        {"topic": t, "draft": draft, "notice": notice},
    )
