"""Webhooks in the admin (/admin/webhooks/): a webhook's name, URL, events, format and whether
it is on, saved through its use cases (webhooks/services.py), which check every value; the
secret is read-only here (rotated on the webhook's page or by an action); the delivery log,
to read."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from frontdesk.core.admin import ReadOnlyAdmin, ServiceAdmin, ServiceForm, apply_to_each
from frontdesk.core.model_texts import choices_said
from frontdesk.webhooks import services
from frontdesk.webhooks.models import Delivery, Webhook, WebhookEvent


class WebhookForm(ServiceForm):
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=choices_said(WebhookEvent.choices),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Internal notes are sent only to a webhook that asks for them."),
    )

    class Meta:
        model = Webhook
        fields = ("name", "url", "events", "format", "active")
        help_texts = {
            "url": _(
                "http:// or https://, to a public address: private, loopback and metadata "
                "addresses are refused when sending, and redirects are not followed."
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.creating = self.instance.pk is None
        if self.instance.pk:
            self.fields["events"].initial = list(self.instance.events)

    def apply(self) -> None:
        data = self.cleaned_data
        values = {
            "name": data["name"],
            "url": data["url"],
            "events": list(data["events"]),
            "format": data["format"],
            "active": data["active"],
        }
        if self.creating:
            made = services.webhook_create(actor=self.actor, values=values)
            self.instance.pk = made.pk  # what the admin's answer links to
        else:
            services.webhook_update(actor=self.actor, webhook_id=self.instance.pk, changes=values)


@admin.action(description=_("Send a test event to the selected webhooks"))
def send_test(modeladmin: WebhookAdmin, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
    apply_to_each(
        modeladmin,
        request,
        queryset,
        lambda hook: services.webhook_test(actor=request.user, webhook_id=hook.pk),  # type: ignore[arg-type]
        lambda count: (
            ngettext(
                "%(count)d test event queued: see the webhook's deliveries.",
                "%(count)d test events queued: see each webhook's deliveries.",
                count,
            )
            % {"count": count}
        ),
    )


@admin.register(Webhook)
class WebhookAdmin(ServiceAdmin):
    form = WebhookForm
    list_display = ("name", "url", "format", "active", "updated_at")
    list_filter = ("active", "format")
    search_fields = ("name", "url")
    fields = ("name", "url", "events", "format", "active", "secret")
    readonly_fields = ("secret",)
    actions = [send_test]

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """The delivery log goes with its webhook (webhook_delete), though nobody deletes
        deliveries one by one."""
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request: HttpRequest, obj: Webhook) -> None:
        services.webhook_delete(actor=request.user, webhook_id=obj.pk)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        apply_to_each(self, request, queryset, lambda hook: self.delete_model(request, hook))


@admin.action(description=_("Send the selected failed deliveries again"))
def send_again(
    modeladmin: DeliveryAdmin, request: HttpRequest, queryset: QuerySet[Delivery]
) -> None:
    apply_to_each(
        modeladmin,
        request,
        queryset,
        lambda row: services.delivery_resend(
            actor=request.user,  # type: ignore[arg-type]
            webhook_id=row.webhook_id,
            delivery_id=row.pk,
        ),
        lambda count: (
            ngettext(
                "%(count)d delivery will be sent again.",
                "%(count)d deliveries will be sent again.",
                count,
            )
            % {"count": count}
        ),
    )


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "webhook",
        "event",
        "status",
        "attempts",
        "response_code",
        "error",
    )
    list_filter = ("status", "event")
    list_select_related = ("webhook",)
    actions = [send_again]
    search_fields = ("event_id",)
    fields = (
        "webhook",
        "event",
        "event_id",
        "ticket_id",
        "status",
        "attempts",
        "next_attempt_at",
        "response_code",
        "response_excerpt",
        "error",
        "created_at",
        "last_attempt_at",
        "delivered_at",
        "payload",
    )
