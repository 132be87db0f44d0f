"""Background tasks of the core: chaining the audit log."""

from __future__ import annotations

from django_tasks import task


@task()
def chain_audit_log() -> int:
    """Give the audit rows committed since the last run their place in the hash chain
    (queued by ``audit.record`` once its transaction commits)."""
    from .audit import chain_pending

    return chain_pending()
