"""Django's ``{% static %}`` with each file's URL found once per process.

Django's tag asks ``apps.is_installed("django.contrib.staticfiles")`` (a walk over every
installed app) and the storage to quote and join the URL again at every use: ten a staff
page, the same answers every time. Neither Django nor WhiteNoise keeps them (WhiteNoise's
storages keep a manifest, not the URLs). Templates ``{% load static_urls %}`` for the same
three tags as Django's library, and the regions' Jinja2 ``static()`` is the same function
(web/jinja2env.py). It has a name of its own: a library registered under Django's name,
``static``, makes every system check warn (templates.W003), ``serve``'s at each start."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags import static as django_static

register = template.Library()

_URLS: dict[str, str] = {}
# What a URL is made of: the storage and its base URL (tests change them).
_MADE_OF = frozenset({"STATIC_URL", "STATIC_ROOT", "STORAGES", "INSTALLED_APPS"})


def static(path: str) -> str:
    """The URL ``{% static path %}`` writes, as Django's ``static()`` finds it."""
    url = _URLS.get(path)
    if url is None:
        url = _URLS[path] = django_static.static(path)
    return url


@receiver(setting_changed)
def _forget_urls(*, setting: str, **kwargs: Any) -> None:
    if setting in _MADE_OF:
        _URLS.clear()


class StaticNode(django_static.StaticNode):
    @classmethod
    def handle_simple(cls, path: str) -> str:
        return static(path)


register.tag("static", StaticNode.handle_token)
register.tag("get_static_prefix", django_static.get_static_prefix)
register.tag("get_media_prefix", django_static.get_media_prefix)
