"""The request and context of one queue page, for benchmarks that render its templates alone
(bench/frame_render.py, bench/rows_render.py)."""

from __future__ import annotations

from typing import Any

from pages_profile import Handler


def queue_page_render(view: str) -> dict[str, Any]:
    """Sign the first demo agent in through the login form, ask for ``/home?view=VIEW`` and
    give what the workspace view rendered: its ``request``, ``context`` and ``template``.
    Django must be set up."""
    import frontdesk.web.views.workspace as workspace
    from frontdesk.accounts.models import Role, User

    captured: dict[str, Any] = {}
    render = workspace.render

    def grab(request: Any, template: str, context: dict[str, Any], status: int = 200) -> Any:
        captured.update(request=request, context=context, template=template)
        return render(request, template, context, status=status)

    workspace.render = grab  # type: ignore[assignment]
    try:
        handler = Handler()
        agent = User.objects.filter(role=Role.AGENT).order_by("pk").first()
        assert agent is not None
        status, _, _ = handler("GET", f"/home?view={view}", handler.session(agent.username))
        assert status == 200
    finally:
        workspace.render = render  # type: ignore[assignment]
    return captured
