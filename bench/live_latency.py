"""Click-to-screen latency of live updates, in real browsers, on the ``make run`` profile.

    .venv/bin/python bench/live_latency.py [--samples 20] [--tree PATH] [--label NAME]

Starts ``frontdesk serve`` (one process, the embedded profile ``make run`` starts) on a fresh
data directory, makes an agent and a customer and one ticket between them (claimed, so every
sample does the same work), signs both in to Debian's Chromium through the /login form and
opens the ticket's page in each. Then, alternately, one of them types a message and clicks
"Send reply" while the other's page waits for it:

- the click's time is taken in the sender's page (a capturing click listener),
- the screen's time in the receiver's page: a MutationObserver sees the message's text in
  the conversation, and the time is read in the next animation frame (when it is painted).

Both pages run in one browser on one machine, so both times come from the same clock.
Reports p50 / p95 / max for each direction over ``--samples`` messages each.

``--tree PATH`` serves another source tree (``PYTHONPATH=PATH/src``), for a before/after run
side by side: ``git archive <commit> | tar -x -C /tmp/old`` then ``--tree /tmp/old``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from _server import PASSWORD, django_run, percentile, served
from playwright.sync_api import BrowserContext, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
DETAIL = bool(os.environ.get("LIVE_LATENCY_DETAIL"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

# In every page of both contexts, from the first byte: when a click happens, and when a
# wanted text first shows in the conversation (read in the frame after the change).
TIMING = """
(() => {
  // Kept in sessionStorage: a page that answers a post with a reload (main) forgets globals.
  document.addEventListener("click", () => {
    sessionStorage.setItem("clickAt", String(Date.now()));
  }, true);
  window.__wanted = null;
  window.__seenAt = 0;
  const check = () => {
    const thread = document.getElementById("thread");
    if (!window.__wanted || !thread || !thread.textContent.includes(window.__wanted)) return;
    window.__wanted = null;
    requestAnimationFrame(() => { window.__seenAt = Date.now(); });
  };
  const watching = { childList: true, subtree: true, characterData: true };
  new MutationObserver(check).observe(document, watching);
})();
"""

SETUP = """
from frontdesk.accounts.models import Role, User
from frontdesk.tickets import services
agent = User.objects.create_user("Alice", "alice@example.com", {password!r}, role=Role.AGENT)
customer = User.objects.create_user("John", "john@example.com", {password!r})
opened = services.ticket_open(
    actor=customer, title="Heating broken in studio 2", body="The radiators are cold."
)
services.ticket_claim(actor=agent, ticket_id=opened.ticket.pk)
print(opened.ticket.pk)
"""


def sign_in(context: BrowserContext, base_url: str, username: str, ticket_id: int) -> Page:
    page = context.new_page()
    page.goto(base_url + "/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home")
    page.goto(f"{base_url}/ticket/{ticket_id}")
    return page


def listening(page: Page) -> None:
    page.locator("body[data-live-state=listening]").wait_for(state="attached", timeout=15000)


def one_sample(sender: Page, receiver: Page, text: str) -> float:
    """Milliseconds from the sender's click to ``text`` painted on the receiver's page."""
    listening(sender)
    listening(receiver)
    receiver.evaluate("text => { window.__wanted = text; window.__seenAt = 0; }", text)
    sender.get_by_label("Message", exact=True).fill(text)
    sender.get_by_role("button", name="Send reply", exact=True).click()
    receiver.wait_for_function("window.__seenAt > 0", timeout=20000)
    seen = receiver.evaluate("window.__seenAt")
    clicked = int(sender.evaluate("sessionStorage.getItem('clickAt')"))
    if DETAIL:
        fetches = receiver.evaluate(
            """() => performance.getEntriesByType("resource")
              .filter(e => e.name.includes("/thread"))
              .map(e => [Math.round(performance.timeOrigin + e.startTime), Math.round(e.duration)])
              .slice(-2)"""
        )
        parts = [(start - clicked, took) for start, took in fetches]
        print(f"(fetch start after the click, fetch ms): {parts}, total {seen - clicked}")
    # The sender's own page has its answer (a swap, or a reload) before the next sample.
    sender.locator("#thread").get_by_text(text).wait_for(timeout=20000)
    return float(seen - clicked)


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": round(statistics.median(ordered)),
        "p95": round(percentile(ordered, 0.95)),
        "max": round(ordered[-1]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--tree", type=Path, help="serve this source tree (PATH/src)")
    parser.add_argument("--label", default="this tree")
    options = parser.parse_args()
    if options.tree:
        os.environ["PYTHONPATH"] = str(options.tree.resolve() / "src")

    with served(workers=1) as server, sync_playwright() as driver:
        out = django_run(server.env, SETUP.format(password=PASSWORD))
        ticket_id = int(out.strip().splitlines()[-1])
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        pages: dict[str, Page] = {}
        for name in ("Alice", "John"):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_init_script(TIMING)
            pages[name] = sign_in(context, server.base_url, name, ticket_id)
        times: dict[str, list[float]] = {"agent → customer": [], "customer → agent": []}
        for number in range(options.samples):
            marker = f"{time.monotonic_ns()}"
            times["agent → customer"].append(
                one_sample(pages["Alice"], pages["John"], f"Agent sample {number} {marker}")
            )
            times["customer → agent"].append(
                one_sample(pages["John"], pages["Alice"], f"Customer sample {number} {marker}")
            )
        browser.close()

    print(f"\nClick-to-screen latency, {options.label}, {options.samples} samples each (ms)")
    print(f"{'direction':<20} {'p50':>6} {'p95':>6} {'max':>6}")
    for direction, samples in times.items():
        numbers = summary(samples)
        print(f"{direction:<20} {numbers['p50']:>6} {numbers['p95']:>6} {numbers['max']:>6}")
    print(json.dumps({direction: summary(samples) for direction, samples in times.items()}))


if __name__ == "__main__":
    main()
