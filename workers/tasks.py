"""Celery tasks: thin wrappers that take ids and call plain functions (workers/services.py)."""

from __future__ import annotations

from celery import shared_task

from workers.services import job_run


@shared_task(acks_late=True)
def run_job(job_id: int) -> None:
    """Run the job ``job_id``; its progress, result or error are recorded on its row."""
    job_run(job_id=job_id)
