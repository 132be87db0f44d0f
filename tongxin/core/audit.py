"""Writing the audit log. Call ``record`` inside the transaction of the act it describes."""

from __future__ import annotations

from typing import Any

from .middleware import client_ip, current_request
from .models import AuditEvent


def record(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    subject_person_id: int | None = None,
    result: str = AuditEvent.Result.OK,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    request = current_request.get()
    user = actor if getattr(actor, "is_authenticated", False) else None
    role = ""
    if user is not None:
        from tongxin.accounts.scopes import primary_role_label

        role = primary_role_label(user)
    return AuditEvent.objects.create(
        actor=user,
        actor_name=getattr(user, "username", "")
        if user
        else str(detail and detail.get("username", "")),
        role=role,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        subject_person_id=subject_person_id,
        result=result,
        ip=client_ip(request) if request is not None else "",
        request_id=getattr(request, "request_id", "") if request is not None else "",
        detail=detail or {},
    )
