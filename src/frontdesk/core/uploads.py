"""Receiving uploaded files without letting one huge upload fill the disk, and storing them
so that a failure part-way (a full disk) leaves no file behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
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


class AtomicFileSystemStorage(FileSystemStorage):
    """Django's file system storage, writing each file under a temporary name in its own
    directory and renaming it into place once every byte is on disk (fsync). Django's own
    leaves the partial file (0 bytes on a full disk) under its final name when a write
    fails; here the temporary one is removed and the error raised, so nothing is left."""

    def _save(self, name: str, content: Any) -> str:
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=directory)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                out.flush()
                os.fsync(out.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            while os.path.exists(full_path):  # names are random: almost never
                name = self.get_available_name(name)
                full_path = self.path(name)
            os.rename(temporary, full_path)
            self._ensure_location_group_id(full_path)  # type: ignore[attr-defined]
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        # As FileSystemStorage._save ends: the name relative to the root, with "/" separators.
        return os.path.relpath(full_path, self.location).replace("\\", "/")
