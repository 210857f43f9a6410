"""What every page's template knows of its reader."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import LazyObject, empty


def user_read(request: HttpRequest) -> dict[str, Any]:
    """After Django's ``auth``: ``user`` the user itself once the middleware has read it
    (every signed-in page has: its session's timeout, time zone and language ask), not the
    lazy ``request.user``. Each of the frame's two dozen ``user.…`` lookups went through the
    proxy's methods, and a template's lookup first tries ``user[name]``, which the proxy
    hands on to fail. A page that has not read its user keeps it lazy."""
    user = getattr(request, "user", None)
    if isinstance(user, LazyObject) and user._wrapped is not empty:  # type: ignore[attr-defined]
        return {"user": user._wrapped}  # type: ignore[attr-defined]
    return {}
