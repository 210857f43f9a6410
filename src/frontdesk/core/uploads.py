"""Receiving uploaded files without letting one huge upload fill the disk."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler


class CappedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Writes an upload to a temporary file until it passes FRONTDESK_ATTACHMENT_MAX_BYTES,
    then only counts the rest. The file's ``size`` is what arrived (Django sets it from the
    bytes received, not from what was kept), so the attachment service refuses it with a
    message that says how big it was; the truncated copy is never stored."""

    received = 0

    def new_file(self, *args: object, **kwargs: object) -> None:
        super().new_file(*args, **kwargs)  # type: ignore[arg-type]
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received <= settings.FRONTDESK_ATTACHMENT_MAX_BYTES:
            self.file.write(raw_data)
        return None
