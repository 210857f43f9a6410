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
    if args[:1] == ["serve"]:
        _metrics_shared_by_every_process()
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


def _metrics_shared_by_every_process() -> None:
    """``serve``'s processes add up their metrics in files under the data directory
    (core/metrics.py). Set before anything imports prometheus-client, which reads it once, and
    before the server processes are forked, which inherit it; emptied of a previous run's."""
    from django.conf import settings

    from frontdesk.core.env import ConfigError
    from frontdesk.core.metrics_files import MULTIPROCESS_DIR, multiprocess_directory_reset

    if os.environ.get(MULTIPROCESS_DIR):
        return  # the operator chose a directory; they also clean it
    try:
        data_dir = settings.DATA_DIR
    except ConfigError:
        return
    os.environ[MULTIPROCESS_DIR] = str(multiprocess_directory_reset(data_dir))


if __name__ == "__main__":
    main()
