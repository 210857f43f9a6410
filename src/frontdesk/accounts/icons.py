"""The profile pictures: simple generated avatars in SupportMe's four colours, plus the admin
one that System uses. Drawn once per process with Pillow; nothing is shipped as a binary."""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache

from django.http import Http404, HttpRequest, HttpResponse

from frontdesk.accounts.models import ProfileIcon

SIZE = 128
_SCALE = 4  # draw large, then shrink: cheap anti-aliasing

# Background and figure colours; each pair has a contrast ratio above 4.5:1.
_PALETTE: dict[str, tuple[str, str]] = {
    ProfileIcon.BLUE: ("#1d4ed8", "#dbeafe"),
    ProfileIcon.GREEN: ("#15803d", "#dcfce7"),
    ProfileIcon.PURPLE: ("#7e22ce", "#f3e8ff"),
    ProfileIcon.RED: ("#b91c1c", "#fee2e2"),
    ProfileIcon.ADMIN: ("#1f2937", "#fbbf24"),
}


@lru_cache(maxsize=len(_PALETTE))
def icon_png(name: str) -> bytes:
    from PIL import Image, ImageDraw  # here: each icon is drawn once per process, if ever

    background, figure = _PALETTE[name]
    big = SIZE * _SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, big - 1, big - 1), fill=background)
    # Head and shoulders, clipped to the circle by drawing the shoulders inside it.
    head = big * 0.19
    cx, cy = big / 2, big * 0.39
    draw.ellipse((cx - head, cy - head, cx + head, cy + head), fill=figure)
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, big - 1, big - 1), fill=255)
    body = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    ImageDraw.Draw(body).ellipse((big * 0.2, big * 0.64, big * 0.8, big * 1.24), fill=figure)
    image.paste(body, (0, 0), Image.composite(body, Image.new("RGBA", body.size), mask))
    if name == ProfileIcon.ADMIN:
        ring = big * 0.03
        draw.ellipse((ring, ring, big - ring, big - ring), outline=figure, width=int(ring))
    small = image.resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def profile_icon(request: HttpRequest, name: str) -> HttpResponse:
    if name not in _PALETTE:
        raise Http404("No such profile icon.")
    body = icon_png(name)
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="image/png")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=86400"
    return response
