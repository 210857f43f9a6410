// News for the signed-in user: the number of tickets that want their attention in the tab
// title ("(3) Home · Frontdesk"), and, when they opt in on their profile, a silent desktop
// notification for each new one. The count comes from /api/news/ (permission-checked, one
// query); it is fetched again whenever live.js hears something ("frontdesk:live"), when the
// tab comes back into view, and every minute (a ticket page listens to its own ticket only).
// Also tells the server the browser's time zone once, until the user chooses one.
(() => {
  "use strict";
  const body = document.body;
  if (body.dataset.live !== "on") return;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const STORE = "frontdesk.notify";         // "on" when this browser shows notifications
  const SEEN = "frontdesk.notify.seen";     // what was already notified, across tabs
  const PREFIX = /^\(\d+\+?\) /;
  let count = "";                            // "(3) ", or "" when nothing is new
  let known = null;                          // ticket keys of the last answer (null: none yet)

  // The count goes before whatever the page calls itself (htmx may have changed the title).
  function showCount() {
    const title = count + document.title.replace(PREFIX, "");
    if (document.title !== title) document.title = title;
  }
  document.addEventListener("htmx:afterSettle", showCount);

  const key = (item) => `${item.reason}:${item.id}`;
  const enabled = () =>
    "Notification" in window && Notification.permission === "granted" && localStorage.getItem(STORE) === "on";

  function notifyNew(items) {
    if (!enabled()) return;
    const seen = new Set(JSON.parse(localStorage.getItem(SEEN) || "[]"));
    for (const item of items) {
      if (seen.has(key(item))) continue;     // another tab said it already
      seen.add(key(item));
      const heading = window.frontdeskText.t(item.reason === "new" ? "new_ticket" : "new_reply");
      const note = new Notification(`${heading}: ${item.number}`, {
        body: item.title, tag: key(item), silent: true,
      });
      note.addEventListener("click", () => { window.focus(); location.href = item.url; });
    }
    localStorage.setItem(SEEN, JSON.stringify([...seen].slice(-200)));
  }

  let busy = false, again = false;
  async function update() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const response = await fetch("/api/news/", {
        credentials: "same-origin", headers: { "X-Frontdesk-Passive": "1" },
      });
      if (!response.ok) return;
      const news = await response.json();
      count = news.count ? `(${news.count}${news.more ? "+" : ""}) ` : "";
      showCount();
      body.dataset.newsCount = String(news.count);
      const keys = new Set(news.tickets.map(key));
      if (known) notifyNew(news.tickets.filter((item) => !known.has(key(item))));
      known = keys;
    } catch (error) {
      // Offline for a moment: the next event or the next minute tries again.
    } finally {
      busy = false;
      if (again) { again = false; setTimeout(update, 250); }
    }
  }

  let pending = null;
  document.addEventListener("frontdesk:live", () => {
    clearTimeout(pending);
    pending = setTimeout(update, 300);       // after the change is committed and announced
  });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) update(); });
  setInterval(update, 60000);
  update();

  // The profile's switch (the section stays hidden where the browser has no notifications).
  const section = document.getElementById("desktop-notifications");
  const toggle = document.getElementById("notifications-toggle");
  const state = document.getElementById("notifications-state");
  function show() {
    const blocked = Notification.permission === "denied";
    const say = window.frontdeskText;
    toggle.textContent = say.t(enabled() ? "desktop_off" : "desktop_on");
    toggle.disabled = blocked;
    state.textContent = blocked
      ? say.t("desktop_blocked")
      : say.t(enabled() ? "desktop_is_on" : "desktop_is_off");
  }
  if (section && toggle && state && "Notification" in window) {
    section.hidden = false;
    show();
    toggle.addEventListener("click", async () => {
      if (enabled()) {
        localStorage.setItem(STORE, "off");
      } else if ((await Notification.requestPermission()) === "granted") {
        localStorage.setItem(STORE, "on");
      }
      show();
    });
  }

  // The browser's zone, until the user picks one on their profile (the server keeps a choice).
  if (body.dataset.timeZone === "unset") {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) {
      fetch("/profile/time-zone", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, "X-Frontdesk-Passive": "1" },
        body: new URLSearchParams({ time_zone: zone, auto: "1" }),
      }).then((response) => { if (response.ok) body.dataset.timeZone = "set"; });
    }
  }
})();
