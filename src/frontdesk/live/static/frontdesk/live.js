// Live updates: listen to /live/events and re-fetch the regions of this page that changed.
// Events say only "ticket N changed"; the fresh HTML comes through the normal, permission-
// checked page, so nothing reaches a browser that its page would not show.
(() => {
  "use strict";
  const body = document.body;
  if (body.dataset.live !== "on" || !("EventSource" in window)) return;

  const ticket = body.dataset.liveTicket || "";
  const staff = body.dataset.liveStaff === "true";
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const source = new EventSource("/live/events" + (ticket ? "?ticket=" + ticket : ""));
  // The page says whether it is live (styles, and tests waiting for the stream, read it).
  source.addEventListener("open", () => { body.dataset.liveState = "listening"; });
  source.addEventListener("error", () => { body.dataset.liveState = "reconnecting"; });

  let pending = null;
  function refreshSoon() {
    // One action can write several rows (a claim: history + system message): refresh once.
    clearTimeout(pending);
    pending = setTimeout(refresh, 80);
  }

  // Never swap a region out from under someone typing in it; the next event catches up.
  function isEditing(region) {
    const active = document.activeElement;
    return region.contains(active) && active.matches("input, textarea, select");
  }

  async function refresh() {
    const response = await fetch(location.href, {
      credentials: "same-origin",
      headers: { "X-Frontdesk-Passive": "1" },
    });
    if (response.status === 404 && ticket) { location.reload(); return; } // deleted
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const region of document.querySelectorAll("[data-live-region]")) {
      const replacement = fresh.getElementById(region.id);
      if (!replacement || isEditing(region)) continue;
      const atBottom = region.scrollHeight - region.scrollTop - region.clientHeight < 40;
      region.replaceWith(replacement);
      if (atBottom) replacement.scrollTop = replacement.scrollHeight;
    }
    document.dispatchEvent(new CustomEvent("frontdesk:refreshed"));
  }

  for (const type of ["message", "change", "new-ticket", "deleted"]) {
    source.addEventListener(type, refreshSoon);
    source.addEventListener(type, () => document.dispatchEvent(new CustomEvent("frontdesk:live", { detail: { type } })));
  }

  if (!(ticket && staff)) return;

  // Presence: tell the other agents on this ticket whether we view or reply, and show theirs.
  const me = body.dataset.userId;
  const indicator = document.getElementById("presence");
  source.addEventListener("presence", (event) => {
    if (!indicator) return;
    const others = JSON.parse(event.data).people.filter((p) => String(p.user_id) !== me);
    indicator.textContent = others
      .map((p) => `${p.name} is ${p.state === "replying" ? "replying" : "viewing"}`)
      .join(" · ");
    indicator.hidden = others.length === 0;
  });

  function state() {
    const box = document.querySelector("textarea[name=message]");
    return box && document.activeElement === box && box.value.trim() ? "replying" : "viewing";
  }
  function beat(now) {
    // keepalive: the "left" beat still goes out while the page is being closed.
    fetch(`/live/presence/${ticket}`, {
      method: "POST",
      body: new URLSearchParams({ state: now || state() }),
      headers: { "X-CSRFToken": csrf },
      credentials: "same-origin",
      keepalive: true,
    });
  }
  let last = "";
  setInterval(() => beat(), 10000);
  document.addEventListener("input", () => {
    const now = state();
    if (now !== last) { last = now; beat(now); }
  });
  beat("viewing");
  addEventListener("pagehide", () => beat("left"));
})();
