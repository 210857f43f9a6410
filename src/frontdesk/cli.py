"""The ``frontdesk`` command: ``frontdesk serve``, ``frontdesk setrole USER ROLE``, ...

Each sub-command is a Django management command of the same name (dashes for underscores), so
``frontdesk import-supportme data.db`` runs ``import_supportme``; ``frontdesk help`` lists them.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    # Everything this process creates (database, job queue, attachments, secrets, mail) is
    # private to its account: core/datadir.py.
    os.umask(0o077)
    # A worker or live endpoint ``serve`` started stops when it dies (core/lifecycle.py).
    from frontdesk.core.lifecycle import die_with_parent

    die_with_parent()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    from django.core.management import execute_from_command_line

    _data_dir_made_private()

    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["frontdesk", *args])


def _data_dir_made_private() -> None:
    """Fix an installation made before the data directory was private (one log line). A
    configuration error is left for the command to report."""
    from django.conf import settings

    from frontdesk.core.datadir import make_private
    from frontdesk.core.env import ConfigError

    try:
        data_dir = settings.DATA_DIR
    except ConfigError:
        return
    make_private(data_dir)


if __name__ == "__main__":
    main()
