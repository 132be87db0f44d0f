"""The inbox page: the signed-in person's messages, newest first; opening one marks it read
and follows its link."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tongxin.core.actors import ActorRequest
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate

from .models import Message
from .services import message_mark_read, messages_mark_all_read


@personal_page
@require_GET
def inbox(request: ActorRequest) -> HttpResponse:
    qs = Message.objects.visible_to(request.user).order_by("-created_at", "-pk")
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    page = paginate(request, qs)
    return render(
        request,
        "inbox/list.html",
        {"page_obj": page, "rows": page.object_list, "only_unread": only_unread},
    )


@personal_page
@require_GET
def open_message(request: ActorRequest, pk: int) -> HttpResponse:
    """Mark the message read and go where it points (only to a page of this site)."""
    message = message_mark_read(actor=request.user, message_id=pk)
    link = message.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None) and link.startswith("/"):
        return redirect(link)
    return redirect("inbox:list")


@personal_page
@require_POST
def read_all(request: ActorRequest) -> HttpResponse:
    count = messages_mark_all_read(actor=request.user)
    messages.success(
        request,
        _("已将 {count} 条消息标为已读。").format(count=count) if count else _("没有未读消息。"),
    )
    return redirect("inbox:list")
