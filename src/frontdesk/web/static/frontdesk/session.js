// Warn before an idle session ends, and offer to keep it. The server ends the session on its
// own (accounts/middleware.py); this only tells the person in time. It asks
// /api/session-status/ (which does not count as activity) once when the warning is due, then
// about once a minute while the warning shows; the countdown in between is local.
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  let deadline = 0; // when the session ends, in Date.now() milliseconds
  let checkTimer = 0;
  let countdown = 0;
  let restoreFocus = null;
  let warningThreshold = 300;

  const box = document.createElement("div");
  box.className = "session-warning";
  box.hidden = true;
  box.setAttribute("role", "alertdialog");
  box.setAttribute("aria-modal", "false");
  box.setAttribute("aria-labelledby", "session-warning-title");
  box.setAttribute("aria-describedby", "session-warning-text");
  // Built from elements, its words in the page's language (texts.js): no HTML from text.
  const say = window.frontdeskText;
  const title = Object.assign(document.createElement("p"), {
    className: "session-warning__title",
    id: "session-warning-title",
    textContent: say.t("session_title"),
  });
  const text = Object.assign(document.createElement("p"), { id: "session-warning-text" });
  const [before, after = ""] = say.t("session_text").split("%(time)s");
  text.append(before, Object.assign(document.createElement("span"), { className: "session-warning__time" }), after);
  const spoken = Object.assign(document.createElement("p"), { className: "visually-hidden" });
  spoken.setAttribute("aria-live", "polite");
  spoken.dataset.announce = "";
  const button = Object.assign(document.createElement("button"), {
    className: "button",
    type: "button",
    textContent: say.t("session_stay"),
  });
  box.append(title, text, spoken, button);
  document.body.append(box);
  const timeText = box.querySelector(".session-warning__time");
  const announce = box.querySelector("[data-announce]");
  const stay = box.querySelector("button");

  function format(seconds) {
    const m = Math.floor(seconds / 60);
    const s = String(seconds % 60).padStart(2, "0");
    return `${m}:${s}`;
  }

  function signedOut() {
    const next = encodeURIComponent(location.pathname + location.search);
    location.assign(`/login?expired=1&next=${next}`);
  }

  function schedule(seconds) {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, Math.max(1, seconds) * 1000);
  }

  function tick() {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    timeText.textContent = format(left);
    // A screen reader hears the whole minutes, not every second.
    if (left % 60 === 0 && left > 0) announce.textContent = say.n("session_minutes", left / 60);
    if (left === 0) check();
  }

  function show() {
    if (box.hidden) {
      box.hidden = false;
      restoreFocus = document.activeElement;
      stay.focus();
    }
    clearInterval(countdown);
    tick();
    countdown = setInterval(tick, 1000);
  }

  function hide() {
    clearInterval(countdown);
    if (box.hidden) return;
    box.hidden = true;
    announce.textContent = "";
    if (restoreFocus && document.contains(restoreFocus)) restoreFocus.focus();
  }

  function apply(status) {
    warningThreshold = status.warning_threshold;
    deadline = Date.now() + status.seconds_left * 1000;
    const untilWarning = status.seconds_left - status.warning_threshold;
    if (untilWarning > 0) {
      hide();
      schedule(untilWarning);
    } else {
      show();
      schedule(Math.min(60, status.seconds_left));
    }
  }

  async function check() {
    let status;
    try {
      const response = await fetch("/api/session-status/", {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      status = await response.json();
    } catch {
      schedule(30); // offline for a moment: ask again soon
      return;
    }
    if (!status.authenticated || status.seconds_left <= 0) {
      signedOut();
      return;
    }
    apply(status);
  }

  stay.addEventListener("click", async () => {
    try {
      const response = await fetch("/api/session/extend/", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      });
      if (response.status === 401) return signedOut();
      const body = await response.json();
      hide();
      apply({ seconds_left: body.seconds_left, warning_threshold: warningThreshold });
    } catch {
      check();
    }
  });

  // Another tab's activity moves the deadline too: look again when this tab comes back.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") check();
  });

  check();
})();
