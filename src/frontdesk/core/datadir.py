"""The data directory is private to the account that runs Frontdesk.

It holds the database (and Django's session table: whoever reads it can take over a session),
the job queue, attachments, outgoing mail and the generated secrets. Every ``frontdesk``
process starts with ``umask 077`` (cli.py, wsgi.py), so what it creates is 0600 (files) and
0700 (directories); uploaded files are written 0600 as well (settings FILE_UPLOAD_PERMISSIONS).
An installation made before that is fixed at start-up: :func:`make_private` takes the group
and other bits off everything under the data directory that this account owns, and says so
in one log line.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077

logger = logging.getLogger("frontdesk.datadir")


def make_private(data_dir: Path) -> int:
    """Take the group and other permission bits off ``data_dir`` and everything under it that
    this process's user owns (symbolic links are not followed). Returns how many entries were
    changed; logs one line when any was."""
    if not data_dir.is_dir():
        return 0
    uid = os.geteuid()
    changed = 0
    entries = [data_dir]
    for root, dirs, files in os.walk(data_dir):
        entries.extend(Path(root) / name for name in [*dirs, *files])
    for path in entries:
        try:
            info = path.lstat()
        except FileNotFoundError:  # removed meanwhile (a temporary file)
            continue
        if stat.S_ISLNK(info.st_mode) or info.st_uid != uid:
            continue
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            path.chmod(mode & 0o700)
            changed += 1
    if changed:
        logger.warning(
            "Made the data directory %s private: %d of its files and directories could be read "
            "by other accounts on this machine; now only its owner can (0600/0700).",
            data_dir,
            changed,
        )
    return changed
