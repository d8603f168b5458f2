"""The signed LOA files: checked by content, stored under ``ORION_MEDIA_DIR/loa`` with a
random name (nothing of the partner's file name reaches the disk), read back only through the
views that check who may see them."""

from __future__ import annotations

import logging
import secrets
from io import BytesIO
from pathlib import Path

from django.conf import settings

from orion.porting.exceptions import LoaRefused

logger = logging.getLogger(__name__)

MAX_LOA_BYTES = 10 * 1024 * 1024
_NAME = "loa-{}.pdf"


def _folder() -> Path:
    return Path(settings.ORION_MEDIA_DIR) / "loa"


def loa_check(content: bytes) -> None:
    """Refuse what is not a PDF (by its bytes, not its name or type) or is over 10 MB."""
    if len(content) > MAX_LOA_BYTES:
        raise LoaRefused(f"The signed LOA may be at most {MAX_LOA_BYTES // (1024 * 1024)} MB.",
                         field="file")
    if not content.startswith(b"%PDF-"):
        raise LoaRefused("The signed LOA must be a PDF file (scan or print it to PDF).",
                         field="file")
    from pypdf import PdfReader

    try:
        pages = len(PdfReader(BytesIO(content)).pages)
    except Exception:  # any parse failure means "not a readable PDF"
        pages = 0
    if pages < 1:
        raise LoaRefused("The signed LOA is not a readable PDF; export it again.",
                         field="file")


def loa_store(content: bytes) -> str:
    """Write ``content`` under a new random name; the name."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = _NAME.format(secrets.token_hex(16))
    (folder / name).write_bytes(content)
    return name


def loa_path(name: str) -> Path:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError("not an LOA file name")
    return _folder() / name


def loa_remove(name: str) -> None:
    try:
        loa_path(name).unlink(missing_ok=True)
    except (OSError, ValueError) as exc:
        logger.warning("LOA file %s not removed: %s", name, exc)
