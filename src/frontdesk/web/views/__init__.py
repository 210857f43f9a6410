"""The server-rendered pages. Each view parses a form, calls one service or selector and
renders; the rules live in the services."""

from __future__ import annotations

from frontdesk.web.views.account import (
    login_page,
    logout_page,
    profile_after_send,
    profile_page,
    profile_session_end,
    profile_sessions_end_others,
    profile_token_create,
    profile_token_revoke,
    register_page,
)
from frontdesk.web.views.attachments import attachment_download
from frontdesk.web.views.session_api import session_detail, session_extend, session_status
from frontdesk.web.views.tickets import home_page, ticket_new_page, ticket_page, ticket_thread

__all__ = [
    "attachment_download",
    "home_page",
    "login_page",
    "logout_page",
    "profile_after_send",
    "profile_page",
    "profile_session_end",
    "profile_sessions_end_others",
    "profile_token_create",
    "profile_token_revoke",
    "register_page",
    "session_detail",
    "session_extend",
    "session_status",
    "ticket_new_page",
    "ticket_page",
    "ticket_thread",
]
