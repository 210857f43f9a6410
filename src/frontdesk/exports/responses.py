"""A CSV export as an HTTP answer, streamed: each line goes out as it is written."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import StreamingHttpResponse

from frontdesk.core.clock import now


def csv_response(lines: Iterator[str], *, name: str) -> StreamingHttpResponse:
    """``lines`` as a download called ``<name>-<UTC date and time>.csv``, in UTF-8 with a
    byte-order mark so that spreadsheets read its accents right."""
    stamp = now().strftime("%Y%m%d-%H%M")

    def body() -> Iterator[bytes]:
        yield "\ufeff".encode()
        for line in lines:
            yield line.encode()

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
