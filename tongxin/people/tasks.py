"""Background tasks of the registry: thin adapters around the services."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import(job_id: int) -> None:
    from .importer import process_job

    process_job(job_id)
