"""Staff number import from the page and the API: the CSV is stored on a ``NumberImport`` row
and imported by a job, in chunks, through the same ``numbers_import`` as
``orion numbers import`` (so all three give the same report). The row carries the progress the
page polls, then the report.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orion.accounts.models import User
from orion.audit.services import audit_record
from orion.core.exceptions import NotFound
from orion.core.permissions import require_provider_staff
from orion.numbers.exceptions import NumberError
from orion.numbers.models import MAX_REPORTED_REJECTIONS, ImportStatus, NumberImport
from orion.numbers.services.loading import numbers_import
from orion.numbers.tasks import import_numbers

logger = logging.getLogger(__name__)

# An upload's limits: 100,000 numbers is a large carrier order; a few columns each.
MAX_IMPORT_BYTES = 16 * 1024 * 1024
MAX_IMPORT_LINES = 200_000
# Lines between two progress writes (one UPDATE each), and rows per insert transaction.
PROGRESS_EVERY = 1000
CHUNK = 5000


class ImportRefused(NumberError):
    code = "import_refused"


def number_import_start(*, user: User, filename: str, content: bytes,
                        via: str = "web") -> NumberImport:
    """Queue the import of an uploaded CSV (staff only). Refuses what is not a UTF-8 CSV
    within the limits, before anything is stored; the job is deferred in the same
    transaction as the row, so there is never one without the other."""
    require_provider_staff(user)
    if not content.strip():
        raise ImportRefused("The file is empty: choose a CSV with one number per line.",
                            field="file")
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportRefused(f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; "
                            "split it and upload the parts.", field="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"The file is not UTF-8 text (byte {exc.start}); save the CSV as "
                            "UTF-8 and upload it again.", field="file") from None
    if "\x00" in text:
        raise ImportRefused("The file is not a CSV text file.", field="file")
    total = len(text.splitlines())
    if total > MAX_IMPORT_LINES:
        raise ImportRefused(f"The file has {total:,} lines; at most {MAX_IMPORT_LINES:,} per "
                            "upload. Split it and upload the parts.", field="file")
    name = "".join(ch for ch in filename if ch.isprintable())[:200]
    with transaction.atomic():
        job = NumberImport.objects.create(created_by=user, filename=name, via=via[:10],
                                          content=text, total=total)
        audit_record(actor=user, action="numbers.import_upload", obj=job, via=via,
                     changes={"filename": name, "lines": total})
        import_numbers.defer(import_id=job.pk)
    logger.info("numbers: import %s queued (%s lines) by %s", job.pk, total, user.username)
    return job


def number_import_get(*, user: User, import_id: int) -> NumberImport:
    require_provider_staff(user)
    job = NumberImport.objects.filter(pk=import_id).defer("content").first()
    if job is None:
        raise NotFound("No such import.")
    return job


def number_import_run(*, import_id: int) -> str:
    """The job: import the stored CSV in chunks, writing the lines done every
    ``PROGRESS_EVERY`` lines (each write commits at once, so the page sees it), then the
    report. A job that finds its import already started does nothing (at most one run)."""
    claimed = (NumberImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED)
               .update(status=ImportStatus.RUNNING))
    if not claimed:
        return "already run"
    job = NumberImport.objects.select_related("created_by").get(pk=import_id)
    pending = 0

    def progress(lines: int) -> None:
        nonlocal pending
        pending += lines
        if pending >= PROGRESS_EVERY:
            NumberImport.objects.filter(pk=import_id).update(done=F("done") + pending)
            pending = 0

    try:
        result = numbers_import(lines=job.content.splitlines(), by=job.created_by,
                                source=f"upload {job.filename or job.pk}"[:60],
                                progress=progress, chunk=CHUNK, via=job.via)
    except Exception as exc:
        logger.exception("numbers: import %s failed", import_id)
        NumberImport.objects.filter(pk=import_id).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(),
            error=f"The import stopped: {exc.__class__.__name__}. Numbers of the chunks "
                  "before were added; upload the file again to finish (nothing is added "
                  "twice)."[:300])
        raise
    NumberImport.objects.filter(pk=import_id).update(
        status=ImportStatus.DONE, finished_at=timezone.now(), done=job.total,
        added=result.added, already_present=result.already_present,
        rejected_count=len(result.rejected),
        rejected=[[line, text[:200], reason[:300]]
                  for line, text, reason in result.rejected[:MAX_REPORTED_REJECTIONS]],
        open_backorders=result.open_backorders, content="")
    return result.summary()
