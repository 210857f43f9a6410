// Live updates: listen to /live/events and fetch what changed. Events say only "ticket N
// changed" (with a message's id); the fresh HTML comes through the normal, permission-checked
// views, so nothing reaches a browser that its page would not show. A ticket page fetches
// only the new messages, or its head and sidebar; other pages their live regions.
(() => {
  "use strict";
  const body = document.body;
  if (body.dataset.live !== "on" || !("EventSource" in window)) return;

  const ticket = body.dataset.liveTicket || "";
  const me = body.dataset.userId;
  const staff = body.dataset.liveStaff === "true";
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const POLL_SECONDS = 30;
  const paused = document.getElementById("live-paused");
  // Every listener, so that a stream opened again (after a pause) gets them all.
  const listeners = [];
  let source = null;
  let polling = null;  // the interval while the page checks by itself
  function on(type, listener) {
    listeners.push([type, listener]);
    source.addEventListener(type, listener);
  }
  function connect() {
    source = new EventSource("/live/events" + (ticket ? "?ticket=" + ticket : ""));
    for (const [type, listener] of listeners) source.addEventListener(type, listener);
  }
  connect();
  // The page says whether it is live (styles, and tests waiting for the stream, read it).
  on("open", () => {
    const wasPaused = polling !== null;
    body.dataset.liveState = "listening";
    if (paused) paused.hidden = true;
    if (wasPaused) {
      // Back after a pause: stop polling and catch up on what was missed meanwhile.
      clearInterval(polling);
      polling = null;
      catchUp();
    }
  });
  on("error", () => {
    // A stream refused (429: too many open; 503: live updates paused, Redis away) is not
    // retried by the browser: check the same fragment endpoints every little while instead,
    // say so, and try the stream again after a while.
    if (source.readyState === EventSource.CLOSED) {
      startPolling();
      setTimeout(connect, POLL_SECONDS * 1000);
      return;
    }
    body.dataset.liveState = "reconnecting";
  });
  function catchUp() {
    if (ticket) { addMessages(); changeSoon(); } else { refreshSoon(); }
  }
  function startPolling() {
    body.dataset.liveState = "polling";
    if (paused) paused.hidden = false;
    if (polling) return;
    polling = setInterval(() => { if (!document.hidden) catchUp(); }, POLL_SECONDS * 1000);
  }

  // Never swap a region out from under someone typing in it; the next event catches up.
  function isEditing(region) {
    const active = document.activeElement;
    return region.contains(active) && active.matches("input, textarea, select");
  }

  function fragment(html) {
    const holder = document.createElement("template");
    holder.innerHTML = html;
    return holder.content;
  }

  async function get(url) {
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { "X-Frontdesk-Passive": "1" },
    });
    if (response.status === 404 && ticket) { location.reload(); return null; } // deleted
    return response.ok ? response.text() : null;
  }

  // --- a ticket page: only what changed ---------------------------------------------------
  // A new message: fetch the messages after the last one shown (rendered for this viewer,
  // through the same permission checks as the page) and add them. Any other change: fetch
  // the ticket's head and sidebar. Never the whole page.

  const announcer = document.getElementById("thread-announcer");
  let fetching = false;
  let again = false;

  async function addMessages(event) {
    // Our own post brings its messages in its answer: no second fetch while it is on its way.
    const data = event && event.data ? JSON.parse(event.data) : {};
    if (String(data.author) === me && document.querySelector("#composer.htmx-request")) return;
    if (fetching) { again = true; return; }
    fetching = true;
    try {
      do {
        again = false;
        const list = document.getElementById("conversation");
        if (!list) return;
        const html = await get(`/ticket/${ticket}/thread?after=${list.dataset.lastMessage || 0}`);
        if (html !== null) showMessages(fragment(html));
      } while (again);
    } finally {
      fetching = false;
    }
  }

  function showMessages(content) {
    const list = document.getElementById("conversation");
    if (!list) return;
    const said = [];
    for (const item of Array.from(content.children)) {
      const id = Number(item.dataset.messageId || 0);
      if (!id || document.getElementById(item.id)) continue; // already shown (our own post)
      item.classList.add("message--arrived");
      list.append(item);
      list.dataset.lastMessage = String(Math.max(id, Number(list.dataset.lastMessage || 0)));
      // Read out what others wrote (the sender has their own confirmation), in words that
      // do not repeat the message: "New message from Bob", "The ticket was updated".
      if (item.dataset.authorId === body.dataset.userId) continue;
      const author = item.querySelector(".author");
      const say = window.frontdeskText;
      said.push(author ? say.t("live_message_from", { name: author.textContent }) : say.t("live_updated"));
    }
    if (said.length && announcer) announcer.textContent = [...new Set(said)].join(". ");
    if (said.length) {
      // Seen on an open page: read (after showing them, so the display waits for no write).
      fetch(`/ticket/${ticket}/thread?read=1`, {
        credentials: "same-origin", headers: { "X-Frontdesk-Passive": "1" },
      });
    }
    document.dispatchEvent(new CustomEvent("frontdesk:refreshed"));
  }

  let changing = null;
  function changeSoon() {
    // One action can write several rows (a close: history + status): fetch once.
    clearTimeout(changing);
    changing = setTimeout(showChange, 60);
  }

  // While this page's own htmx post is on its way, replacing the regions it answers into
  // would drop its answer (htmx does not swap into an element that left the page, its
  // confirmation included): wait for it, then fetch again.
  function waitForOwnPost(then) {
    if (!document.querySelector(".htmx-request")) return false;
    document.addEventListener("htmx:afterRequest", then, { once: true });
    return true;
  }

  // A change this page just made came back in its post's answer (head and sidebar): fetching
  // it again would only replace the controls the agent may be using now. Other tabs of the
  // same agent made no post, so they still follow.
  let ownPostAt = 0;
  document.addEventListener("htmx:afterRequest", () => { ownPostAt = Date.now(); });
  function isOwnEcho(event) {
    const data = event && event.data ? JSON.parse(event.data) : {};
    if (String(data.author) !== me) return false;
    return Boolean(document.querySelector(".htmx-request")) || Date.now() - ownPostAt < 3000;
  }

  async function showChange() {
    if (waitForOwnPost(changeSoon)) return;
    const html = await get(`/ticket/${ticket}/thread?parts=ticket`);
    if (html === null || waitForOwnPost(changeSoon)) return;
    const content = fragment(html);
    for (const fresh of Array.from(content.children)) {
      const region = document.getElementById(fresh.id);
      if (region && !isEditing(region)) {
        region.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh); // its forms post through htmx again
      }
    }
    document.dispatchEvent(new CustomEvent("frontdesk:refreshed"));
  }

  // --- any other page: its live regions, from the page fetched again --------------------

  let pending = null;
  function refreshSoon() {
    clearTimeout(pending);
    pending = setTimeout(refresh, 80);
  }

  async function refresh() {
    if (waitForOwnPost(refreshSoon)) return;
    const html = await get(location.href);
    if (html === null || waitForOwnPost(refreshSoon)) return;
    const fresh = new DOMParser().parseFromString(html, "text/html");
    for (const region of document.querySelectorAll("[data-live-region]")) {
      const replacement = fresh.getElementById(region.id);
      if (!replacement || isEditing(region)) continue;
      const atBottom = region.scrollHeight - region.scrollTop - region.clientHeight < 40;
      region.replaceWith(replacement);
      if (window.htmx) window.htmx.process(replacement);
      if (atBottom) replacement.scrollTop = replacement.scrollHeight;
    }
    document.dispatchEvent(new CustomEvent("frontdesk:refreshed"));
  }

  if (ticket) {
    on("message", addMessages);
    on("change", (event) => { if (!isOwnEcho(event)) changeSoon(); });
    on("deleted", () => location.reload());
  } else {
    for (const type of ["message", "change", "new-ticket", "deleted"]) {
      on(type, refreshSoon);
    }
  }
  // Other scripts (the tab title's count) hear every event through one DOM event.
  for (const type of ["message", "change", "new-ticket", "deleted"]) {
    on(type, () => document.dispatchEvent(new CustomEvent("frontdesk:live", { detail: { type } })));
  }

  if (!(ticket && staff)) return;

  // Presence: tell the other agents on this ticket whether we view or reply, and show theirs.
  const indicator = document.getElementById("presence");
  on("presence", (event) => {
    if (!indicator) return;
    const others = JSON.parse(event.data).people.filter((p) => String(p.user_id) !== me);
    indicator.textContent = others
      .map((p) => window.frontdeskText.t(p.state === "replying" ? "presence_replying" : "presence_viewing", { name: p.name }))
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
