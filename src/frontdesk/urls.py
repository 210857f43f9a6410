"""Every path Frontdesk answers. SupportMe's paths come first and exactly as the seed has them."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, register_converter

from frontdesk.accounts import icons
from frontdesk.core import health, metrics
from frontdesk.core.ids import IdConverter
from frontdesk.live import views as live
from frontdesk.supportme import api as supportme
from frontdesk.web import views as web
from frontdesk.web.dispatch import page_or_api
from frontdesk.web.views import exports, held_mail, rules, ticket_fields, time_entries
from frontdesk.web.views import following as following_pages
from frontdesk.web.views import kb as kb_pages
from frontdesk.web.views import merging as merging_pages
from frontdesk.web.views import privacy as privacy_pages
from frontdesk.web.views import recovery as recovery_pages
from frontdesk.web.views import replies as saved_replies
from frontdesk.web.views import reports as report_pages
from frontdesk.web.views import satisfaction as satisfaction_pages
from frontdesk.web.views import sso as sso_pages
from frontdesk.web.views import two_factor as two_factor_views
from frontdesk.web.views import verification as verification_pages
from frontdesk.web.views import webhooks as webhook_pages
from frontdesk.web.views.csp_report import csp_report

register_converter(IdConverter, "id")

urlpatterns = [
    # SupportMe: pages on GET, the JSON API on POST (see web/dispatch.py).
    path("", web.home_page),
    path("home", web.home_page),
    path("home/bulk", web.workspace_bulk),
    path("home/export.csv", exports.workspace_export),
    path("home/views", web.saved_view_create),
    path("home/views/<id:view_id>", web.saved_view_change),
    path("register", page_or_api(web.register_page, supportme.register)),
    path("login", page_or_api(web.login_page, supportme.login)),
    path("logout", page_or_api(web.logout_page, None)),
    path("profile", page_or_api(web.profile_page, supportme.profile)),
    path("ticket/new", page_or_api(web.ticket_new_page, supportme.ticket_new)),
    path("ticket/<id:ticket_id>", page_or_api(web.ticket_page, supportme.ticket_post)),
    path("ticket/<id:ticket_id>/thread", web.ticket_thread),
    path("ticket/<id:ticket_id>/merge", merging_pages.ticket_merge),
    path("ticket/<id:ticket_id>/links", merging_pages.ticket_link),
    path("ticket/<id:ticket_id>/links/<id:other_id>/remove", merging_pages.ticket_unlink),
    path("message/<id:message_id>/split", merging_pages.message_split),
    path("ticket/<id:ticket_id>/followers", following_pages.ticket_followers_change),
    path("ticket/<id:ticket_id>/cc", following_pages.ticket_cc_change),
    path("ticket/<id:ticket_id>/fields", ticket_fields.ticket_fields_save),
    path("get-profile/<id:user_id>", supportme.get_profile),
    path("get-ticket/<id:ticket_id>", supportme.get_ticket),
    path("get-open-tickets/<id:user_id>", supportme.get_open_tickets),
    path("get-closed-tickets/<id:user_id>", supportme.get_closed_tickets),
    path("get-unclaimed-tickets", supportme.get_unclaimed_tickets),
    path("get-unclaimed-tickets/<id:user_id>", supportme.get_unclaimed_tickets),
    path("get-messages/<id:ticket_id>", supportme.get_messages),
    path("profile-icons/<str:name>.png", icons.profile_icon),
    path("attachments/<id:attachment_id>/<str:name>", web.attachment_download),
    path("api/session-status/", web.session_status),
    path("api/session/", web.session_detail),
    path("api/session/extend/", web.session_extend),
    path("profile/sessions/<id:user_session_id>/end", web.profile_session_end),
    path("profile/sessions/end-others", web.profile_sessions_end_others),
    path("profile/after-send", web.profile_after_send),
    path("profile/availability", web.profile_availability),
    path("profile/tokens", web.profile_token_create),
    path("profile/tokens/<id:token_id>/revoke", web.profile_token_revoke),
    path("replies", saved_replies.replies_page),
    path("replies/picker", saved_replies.reply_picker),
    path("replies/<id:reply_id>", saved_replies.reply_page),
    path("replies/<id:reply_id>/delete", saved_replies.reply_delete),
    path("replies/<id:reply_id>/render", saved_replies.reply_render),
    path("profile/time-zone", web.profile_time_zone),
    path("profile/language", web.profile_language),
    path("customers/<id:customer_id>/note", web.customer_note_save),
    path("organisations", web.organisations_page),
    path("organisations/<id:organisation_id>", web.organisation_page),
    path("api/news/", web.news),
    path("live/events", live.events),
    path("live/presence/<id:ticket_id>", live.presence),
    # Held mail: agents accept or dismiss what the mail intake would not add on its own.
    path("mail/held", held_mail.held_mail_page),
    path("mail/held/<id:inbound_id>/accept", held_mail.held_mail_accept),
    path("mail/held/<id:inbound_id>/dismiss", held_mail.held_mail_dismiss),
    # Automation rules: admins write them, agents read them and their log.
    path("rules", rules.rules_page),
    path("rules/new", rules.rule_new),
    path("rules/<id:rule_id>", rules.rule_page),
    path("rules/<id:rule_id>/move", rules.rule_move),
    path("rules/<id:rule_id>/delete", rules.rule_delete),
    path("rules/ticket/<id:ticket_id>", rules.ticket_rule_runs),
    # Webhooks: admins only.
    path("webhooks", webhook_pages.webhooks_page),
    path("webhooks/new", webhook_pages.webhook_new),
    path("webhooks/<id:webhook_id>", webhook_pages.webhook_page),
    path("webhooks/<id:webhook_id>/test", webhook_pages.webhook_test),
    path("webhooks/<id:webhook_id>/rotate", webhook_pages.webhook_rotate),
    path("webhooks/<id:webhook_id>/delete", webhook_pages.webhook_delete),
    path(
        "webhooks/<id:webhook_id>/deliveries/<id:delivery_id>/resend",
        webhook_pages.delivery_resend,
    ),
    path("api/ticketing/", include("frontdesk.api.urls", namespace="ticketing")),
    # The admin signs in through /login (password, then the two-factor code).
    path("admin/login/", two_factor_views.admin_login),
    path("admin/", admin.site.urls),
]

# Content-Security-Policy violation reports (settings CONTENT_SECURITY_POLICY).
urlpatterns += [path("csp-report", csp_report)]

# Notifications: the profile page's choices and the one-click unsubscribe link of each mail.
urlpatterns += [
    path("profile/notifications", web.profile_notifications),
    path("unsubscribe/<str:token>", web.unsubscribe_page),
]

# Single sign-on (accounts/oidc.py): off to the OpenID Connect provider and back.
urlpatterns += [
    path("login/sso", sso_pages.sso_start),
    path("login/sso/callback", sso_pages.sso_callback, name="sso_callback"),
]

# Two-factor authentication: the sign-in's second step and the profile's set-up page.
urlpatterns += [
    path("login/code", two_factor_views.login_code_page),
    path("profile/two-factor", two_factor_views.two_factor_page),
    path("profile/two-factor/disable", two_factor_views.two_factor_disable),
    path("profile/two-factor/recovery-codes", two_factor_views.two_factor_recovery_codes),
]

# Recovery: "forgot password" and the link it mails (accounts/recovery.py).
urlpatterns += [
    path("password/forgot", recovery_pages.password_forgot_page),
    path("password/reset/<str:token>", recovery_pages.password_reset_page),
]

# Email verification: the mailed link, "resend", and changing the address.
urlpatterns += [
    path("email/verify/resend", verification_pages.email_verify_resend),
    path("email/verify/<str:token>", verification_pages.email_verify_page),
    path("profile/email", verification_pages.profile_email_page),
]

# Time tracking: the Time card of a ticket's staff sidebar (timelog/).
urlpatterns += [
    path("ticket/<id:ticket_id>/time", time_entries.time_entry_log),
    path("ticket/<id:ticket_id>/time/<id:entry_id>/delete", time_entries.time_entry_delete),
]

# Customer satisfaction: the page a survey link opens, and the requester's card (satisfaction/).
urlpatterns += [
    path("survey/<str:token>", satisfaction_pages.survey_page),
    path("ticket/<id:ticket_id>/satisfaction", satisfaction_pages.ticket_rate),
]

# Privacy: a customer's "Download my data", and an admin's export, anonymise or delete page.
urlpatterns += [
    path("profile/data-export", privacy_pages.profile_data_export),
    path("customers/<id:customer_id>/privacy", privacy_pages.customer_privacy_page),
]

# Knowledge base: the help centre anyone reads, and the staff pages that write it (kb/).
urlpatterns += [
    path("kb", kb_pages.help_centre_page),
    path("kb/suggest", kb_pages.suggestions),
    path("kb/manage", kb_pages.manage_page),
    path("kb/manage/new", kb_pages.article_new),
    path("kb/manage/articles/<id:article_id>", kb_pages.article_edit),
    path("kb/manage/articles/<id:article_id>/publish", kb_pages.article_publish),
    path("kb/manage/articles/<id:article_id>/unpublish", kb_pages.article_unpublish),
    path("kb/manage/articles/<id:article_id>/versions/<id:number>", kb_pages.version_page),
    path(
        "kb/manage/articles/<id:article_id>/versions/<id:number>/restore",
        kb_pages.version_restore,
    ),
    path("kb/manage/images/<id:image_id>/remove", kb_pages.image_remove),
    path("kb/images/<id:image_id>", kb_pages.image_file),
    path("kb/manage/categories", kb_pages.categories_page),
    path("kb/manage/categories/<id:category_id>", kb_pages.category_edit),
    path("kb/manage/categories/<id:category_id>/delete", kb_pages.category_delete),
    path("kb/articles/<slug:slug>", kb_pages.article_page),
    path("kb/articles/<slug:slug>/vote", kb_pages.article_vote),
    path("kb/<slug:category_slug>", kb_pages.category_page),
]

# Reports for agents and admins (reports/): the page and each report as CSV.
urlpatterns += [
    path("reports", report_pages.reports_page),
    path("reports/<slug:name>.csv", report_pages.reports_export),
]

# Operations: health checks for load balancers and systemd, Prometheus metrics (docs/deploy.md).
urlpatterns += [
    path("healthz", health.healthz),
    path("readyz", health.readyz),
    path("metrics", metrics.metrics),
]

# A database, disk or Redis failure is answered 503/507 with Retry-After, anything else 500.
handler500 = "frontdesk.core.outage.server_error"
