import os
from collections.abc import Callable, Iterable
from typing import Any

import django
from django.core.handlers.wsgi import WSGIHandler

os.umask(0o077)  # what the server writes in the data directory is private (core/datadir.py)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
django.setup(set_prefix=False)

from frontdesk.core.bearer_api import BearerApiChain, is_bearer_api_call  # noqa: E402


class BearerApiHandler(BearerApiChain, WSGIHandler):
    pass


whole_chain = WSGIHandler()
bearer_api_chain = BearerApiHandler()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Django's WSGI application; a SupportMe API call with a bearer token takes the shorter
    chain (core/bearer_api.py)."""
    chain = bearer_api_chain if is_bearer_api_call(environ) else whole_chain
    return chain(environ, start_response)
