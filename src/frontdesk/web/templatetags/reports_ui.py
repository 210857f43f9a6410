"""Filters of the reports page: times and shares written as reports/tables.py writes them."""

from __future__ import annotations

from django import template

from frontdesk.reports.tables import duration_text, percent_text

register = template.Library()


@register.filter
def duration(seconds: int | None) -> str:
    return duration_text(seconds)


@register.filter
def percent(value: int | None) -> str:
    return percent_text(value)
