"""Reproducible stamps: the build's one timestamp and the edition's stable identifiers.

Nothing here reads the clock or a random source: the dates are the edition's `date` at midnight
in Macau (UTC+8), or SOURCE_DATE_EPOCH when it is set (the reproducible-builds.org convention);
identifiers are hashes of the edition's metadata. Every writer of dates and document IDs (the
HTML, the PDF/X finisher, its XMP packet) takes them from here.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol


class Edition(Protocol):
    """What the stamps read of an edition (content.model.Edition has it)."""

    title: str
    edition: str | None
    date: str
    isbn: str | None
    language: str


MACAU = timezone(timedelta(hours=8))
ID_NAMESPACE = uuid.UUID("6f1c7d0e-8a0b-5c2e-9d43-5b6f0e0a2021")  # booklet's own namespace


def build_datetime(edition: Edition) -> datetime:
    """The build's one timestamp: SOURCE_DATE_EPOCH if set, else the edition date 00:00 UTC+8."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.fromisoformat(edition.date).replace(tzinfo=MACAU)


def w3c_date(edition: Edition) -> str:
    """2021-07-01T00:00:00+08:00 (HTML dcterms, XMP xmp:CreateDate)."""
    return build_datetime(edition).isoformat()


def pdf_date(edition: Edition) -> str:
    """D:20210701000000+08'00' (PDF Info /CreationDate, /ModDate)."""
    moment = build_datetime(edition)
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    hours, minutes = divmod(abs(int(offset.total_seconds())) // 60, 60)
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{hours:02d}'{minutes:02d}'"


def edition_seed(edition: Edition) -> str:
    return f"{edition.title}|{edition.edition}|{edition.date}|{edition.isbn}|{edition.language}"


def pdf_identifier(edition: Edition) -> bytes:
    """The PDF /ID: the same for every build of one edition."""
    return hashlib.sha256(edition_seed(edition).encode()).hexdigest()[:32].encode()


def document_id(edition: Edition, variant: str = "") -> str:
    """A stable UUID URN for XMP xmpMM:DocumentID / InstanceID (instead of uuid4)."""
    return uuid.uuid5(ID_NAMESPACE, edition_seed(edition) + "|" + variant).urn
