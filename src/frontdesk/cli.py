"""The ``frontdesk`` command: ``frontdesk serve``, ``frontdesk setrole USER ROLE``, ...

Each sub-command is a Django management command of the same name (dashes for underscores), so
``frontdesk import-supportme data.db`` runs ``import_supportme``; ``frontdesk help`` lists them.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["frontdesk", *args])


if __name__ == "__main__":
    main()
