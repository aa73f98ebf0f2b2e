"""Credential evidence (a licence or CPR card, scanned or photographed): which files we take, how large, and how the
stored file is named. Nothing here trusts what the uploader says about a file: neither its name nor its type."""

from __future__ import annotations

from io import BytesIO

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
# Uploads are recognised by their first bytes, never by the name or the browser's content type.
EVIDENCE_SIGNATURES = {
    b"%PDF-": "pdf",
    b"\xff\xd8\xff": "jpg",
    b"\x89PNG\r\n\x1a\n": "png",
}
EVIDENCE_CONTENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


def sniff_kind(head: bytes) -> str | None:
    """ "pdf", "jpg" or "png" from a file's first bytes; None for anything else."""
    return next((kind for signature, kind in EVIDENCE_SIGNATURES.items() if head.startswith(signature)), None)


def sniff_file_kind(file) -> str | None:
    """The kind of an open file, read from its first bytes; the file is left at its start."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    return sniff_kind(head)


class OversizedUpload(UploadedFile):
    """A file that passed MAX_EVIDENCE_BYTES: its name and its size as sent, none of its content, so that the form can
    say it is too large (forms.check_evidence) while the rest of what was typed is kept."""

    def __init__(self, name: str, content_type: str, size: int, charset: str | None, content_type_extra) -> None:
        super().__init__(BytesIO(), name, content_type, size, charset, content_type_extra)


class EvidenceSizeLimitUploadHandler(FileUploadHandler):
    """First of settings.FILE_UPLOAD_HANDLERS: passes a file's chunks on to Django's handlers until the file passes
    MAX_EVIDENCE_BYTES, then keeps only its count, and hands over an OversizedUpload in place of the partial file.

    Evidence is the only kind of file the site takes, so the limit is the site's. The body as a whole is bounded
    before it is read (elite's RequestBodyLimitMiddleware), so counting the rest costs a bounded read, no storage.
    """

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.oversized = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > MAX_EVIDENCE_BYTES:
            self.oversized = True
        return None if self.oversized else raw_data  # None: the later handlers never see this chunk

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.oversized:
            return None  # the next handler (memory or temporary file) returns the file
        return OversizedUpload(self.file_name, self.content_type, file_size, self.charset, self.content_type_extra)
