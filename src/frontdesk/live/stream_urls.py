"""The URLs of the async live endpoint (frontdesk.live.asgi): the event stream only."""

from django.urls import path

from frontdesk.live import views

urlpatterns = [path("live/events", views.events_async)]
