"""Pages (placeholder: replaced by the real portal)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def _page(title: str) -> HttpResponse:
    return HttpResponse(f"<!doctype html><title>{title} · Frontdesk</title><h1>{title}</h1>")


def home_page(request: HttpRequest) -> HttpResponse:
    return _page("Home")


def register_page(request: HttpRequest) -> HttpResponse:
    return _page("Register")


def login_page(request: HttpRequest) -> HttpResponse:
    return _page("Sign in")


def logout_page(request: HttpRequest) -> HttpResponse:
    return _page("Signed out")


def profile_page(request: HttpRequest) -> HttpResponse:
    return _page("Profile")


def ticket_new_page(request: HttpRequest) -> HttpResponse:
    return _page("Open a ticket")


def ticket_page(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _page("Ticket")
