"""Attachments stored once by content hash in the database, so every desk and one backup see them."""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound
from app.models.misc import Attachment

MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class AttachmentData:
    id: int
    file_name: str
    mime_type: str
    data: bytes


def store(session: Session, file_name: str, data: bytes) -> Attachment:
    if not data:
        raise DomainError(f"附件“{file_name}”是空文件。")
    if len(data) > MAX_BYTES:
        raise DomainError(f"附件“{file_name}”超过 50 MB，请压缩后再添加。")
    digest = hashlib.sha256(data).hexdigest()
    found = session.scalar(select(Attachment).where(Attachment.sha256 == digest))
    if found is not None:
        return found
    mime = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    row = Attachment(sha256=digest, file_name=file_name, mime_type=mime, size=len(data), data=data)
    session.add(row)
    session.flush()
    return row


def load(db: Database, attachment_id: int) -> AttachmentData:
    with db.reading() as session:
        row = session.get(Attachment, attachment_id)
        if row is None:
            raise NotFound("附件不存在。")
        return AttachmentData(row.id, row.file_name, row.mime_type, row.data)
