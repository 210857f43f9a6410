"""The server-rendered pages. Each view parses a form, calls one service or selector and
renders; the rules live in the services."""

from __future__ import annotations

from frontdesk.web.views.account import (
    login_page,
    logout_page,
    profile_after_send,
    profile_availability,
    profile_language,
    profile_page,
    profile_session_end,
    profile_sessions_end_others,
    profile_time_zone,
    profile_token_create,
    profile_token_revoke,
    register_page,
)
from frontdesk.web.views.attachments import attachment_download
from frontdesk.web.views.customers import (
    customer_note_save,
    news,
    organisation_page,
    organisations_page,
)
from frontdesk.web.views.notifications import profile_notifications, unsubscribe_page
from frontdesk.web.views.session_api import session_detail, session_extend, session_status
from frontdesk.web.views.tickets import home_page, ticket_new_page, ticket_page, ticket_thread
from frontdesk.web.views.workspace import saved_view_change, saved_view_create, workspace_bulk

__all__ = [
    "attachment_download",
    "customer_note_save",
    "home_page",
    "login_page",
    "logout_page",
    "news",
    "organisation_page",
    "organisations_page",
    "profile_after_send",
    "profile_availability",
    "profile_language",
    "profile_notifications",
    "profile_page",
    "profile_session_end",
    "profile_sessions_end_others",
    "profile_time_zone",
    "profile_token_create",
    "profile_token_revoke",
    "register_page",
    "saved_view_change",
    "saved_view_create",
    "session_detail",
    "session_extend",
    "session_status",
    "ticket_new_page",
    "ticket_page",
    "ticket_thread",
    "unsubscribe_page",
    "workspace_bulk",
]
