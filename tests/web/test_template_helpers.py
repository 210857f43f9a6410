"""The page helpers written for speed say what Django's own would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django.utils.dateformat import format as format_date

from frontdesk.web.templatetags.frontdesk_ui import EXACT_FORMAT, exact_time

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]


@pytest.mark.parametrize("zone", ZONES)
def test_exact_time_is_djangos_date_format(zone: str) -> None:
    start = datetime(2025, 1, 1, 0, 7, tzinfo=UTC)
    with timezone.override(zone):
        for hours in range(0, 24 * 400, 37):  # every month, hour and both sides of DST
            moment = start + timedelta(hours=hours, minutes=hours % 60)
            expected = format_date(timezone.localtime(moment), EXACT_FORMAT)
            assert exact_time(moment) == expected
