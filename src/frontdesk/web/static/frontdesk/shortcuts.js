// Keyboard shortcuts for agents. Every shortcut is a faster way to a link, field or button
// that is already on the page, so everything still works without this file.
//   everywhere: ?  help (a modal dialog)   g h  home
//   ticket list: j / k  move   Enter  open   /  search   x  select (shift-click: a range)
//   ticket page: r  reply   n  internal note   c  claim   x  close
(() => {
  "use strict";

  const dialog = document.getElementById("shortcuts-dialog");
  const toast = document.getElementById("toast");
  let returnFocus = null;
  let waitingForG = 0;
  let currentTicket = null; // the selected row's ticket id, kept across htmx swaps

  // --- helpers --------------------------------------------------------------------------

  const TEXT_INPUTS = /^(text|search|email|password|number|url|tel|date|datetime-local|time|month|week)$/;

  function isTyping(element) {
    if (!(element instanceof Element)) return false;
    if (element.isContentEditable) return true;
    if (element.tagName === "TEXTAREA" || element.tagName === "SELECT") return true;
    return element.tagName === "INPUT" && TEXT_INPUTS.test(element.type || "text");
  }

  function say(text) {
    if (toast) toast.innerHTML = "";
    if (toast) toast.append(Object.assign(document.createElement("p"), {
      className: "toast-message", textContent: text,
    }));
  }

  function actionForm(action) {
    const field = document.querySelector(`form input[type="hidden"][name="action"][value="${action}"]`);
    return field ? field.form : null;
  }

  // --- the help dialog ------------------------------------------------------------------

  function toggleHelp() {
    if (!dialog) return;
    if (dialog.open) {
      dialog.close();
      return;
    }
    returnFocus = document.activeElement;
    dialog.showModal();
  }

  if (dialog) {
    // Esc and the Close button both end here: focus goes back to where it was.
    dialog.addEventListener("close", () => {
      if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
      returnFocus = null;
    });
    // A click on the backdrop (outside the box) closes it too.
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close();
    });
  }

  // --- the ticket list (workspace) ------------------------------------------------------

  function rows() {
    return Array.from(document.querySelectorAll("[data-ticket-row]"));
  }

  function select(row, { focus = true } = {}) {
    for (const other of rows()) other.classList.remove("is-current");
    if (!row) return;
    row.classList.add("is-current");
    currentTicket = row.dataset.ticketId || null;
    if (focus) {
      row.scrollIntoView({ block: "nearest" });
      const link = row.querySelector("a[href]");
      if (link) link.focus({ preventScroll: true });
    }
  }

  function move(step) {
    const all = rows();
    if (!all.length) return false;
    const at = all.findIndex((row) => row.classList.contains("is-current"));
    const next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.max(0, Math.min(all.length - 1, at + step));
    select(all[next]);
    return true;
  }

  function openCurrent() {
    const row = document.querySelector("[data-ticket-row].is-current");
    const link = row && row.querySelector("a[href]");
    if (!link) return false;
    link.click();
    return true;
  }

  // Tabbing or clicking into a row selects it too, so j/k carry on from there.
  document.addEventListener("focusin", (event) => {
    const row = event.target instanceof Element && event.target.closest("[data-ticket-row]");
    if (row) select(row, { focus: false });
  });

  // After htmx or a live refresh replaces the list, keep the same ticket selected if shown.
  function reselect() {
    if (!currentTicket) return;
    const row = document.querySelector(`[data-ticket-row][data-ticket-id="${currentTicket}"]`);
    if (row) select(row, { focus: false });
  }
  document.addEventListener("htmx:afterSettle", reselect);
  document.addEventListener("frontdesk:refreshed", reselect);

  // --- selecting tickets for a change to all of them (the bulk bar) ---------------------

  // The ticked tickets' ids, kept while a live update replaces the list; a new list (another
  // view, filter or page) or a bulk change that went through starts with none.
  const ticked = new Set();
  let lastTicked = null; // where a shift-click's range starts

  function boxes() {
    return Array.from(document.querySelectorAll("input.row-select"));
  }

  function tick(box, checked) {
    box.checked = checked;
    if (checked) ticked.add(box.value);
    else ticked.delete(box.value);
  }

  function showSelection() {
    const all = boxes();
    const count = all.filter((box) => box.checked).length;
    const label = document.getElementById("bulk-count");
    if (label) label.textContent = window.frontdeskText.n("selected", count);
    const every = document.getElementById("select-all");
    if (every) {
      every.hidden = false;
      every.checked = all.length > 0 && count === all.length;
      every.indeterminate = count > 0 && count < all.length;
    }
  }

  function restoreSelection() {
    for (const box of boxes()) box.checked = ticked.has(box.value);
    if (lastTicked && !document.contains(lastTicked)) {
      lastTicked = document.getElementById(lastTicked.id);
    }
    showSelection();
  }

  document.addEventListener("click", (event) => {
    const box = event.target instanceof Element && event.target.closest("input.row-select");
    if (!box) return;
    const all = boxes();
    if (event.shiftKey && lastTicked && lastTicked !== box && all.includes(lastTicked)) {
      const ends = [all.indexOf(lastTicked), all.indexOf(box)].sort((a, b) => a - b);
      for (const other of all.slice(ends[0], ends[1] + 1)) tick(other, box.checked);
    }
    tick(box, box.checked);
    lastTicked = box;
    showSelection();
  });

  document.addEventListener("change", (event) => {
    if (!(event.target instanceof Element) || event.target.id !== "select-all") return;
    for (const box of boxes()) tick(box, event.target.checked);
    showSelection();
  });

  function toggleCurrent() {
    const box = document.querySelector("[data-ticket-row].is-current input.row-select");
    if (!box) return false;
    tick(box, !box.checked);
    lastTicked = box;
    showSelection();
    return true;
  }

  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.target instanceof Element && event.target.closest("form");
    const isBulk = form && form.matches("form.bulk-form");
    if (!isBulk) {
      ticked.clear(); // another list
      lastTicked = null;
    }
  });
  // A bulk change that went through answers with a fresh list: nothing stays selected. (Its
  // form is gone by the time the request ends, so this is decided as the answer arrives.)
  document.addEventListener("htmx:beforeSwap", (event) => {
    const source = event.detail.requestConfig && event.detail.requestConfig.elt;
    const fromBulk = source instanceof Element && source.matches("form.bulk-form");
    if (fromBulk && event.detail.xhr.status < 300) {
      ticked.clear();
      lastTicked = null;
    }
  });

  // The filter panel stays open (or closed) while the list behind it changes.
  let filtersOpen = null;
  document.addEventListener("htmx:beforeSwap", () => {
    const panel = document.getElementById("filter-more");
    filtersOpen = panel ? panel.open : null;
  });
  document.addEventListener("htmx:afterSwap", () => {
    const panel = document.getElementById("filter-more");
    if (panel && filtersOpen !== null && !panel.querySelector("[aria-invalid='true']")) {
      panel.open = filtersOpen;
    }
  });

  // Esc folds an open filter panel or save form and puts the focus back on its toggle.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !(event.target instanceof Element)) return;
    const open = event.target.closest("details.filter-more[open], details.save-view[open]");
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
    event.preventDefault();
  });

  document.addEventListener("htmx:afterSettle", restoreSelection);
  document.addEventListener("frontdesk:refreshed", restoreSelection);
  showSelection();

  // --- the composer: reply or internal note ---------------------------------------------

  function composer() {
    const box = document.querySelector("form.composer textarea[name='message']");
    return box ? { form: box.form, box } : null;
  }

  function setMode(mode) {
    const found = composer();
    if (!found) return false;
    const { form, box } = found;
    // A composer with its own Reply / Internal note switch: use it.
    const own = form.querySelector(`[data-composer-mode="${mode}"]`);
    if (own) {
      own.click();
    } else if (form.querySelector("button[value='note']")) {
      if (mode === "note") {
        form.dataset.mode = "note";
        box.dataset.replyPlaceholder = box.dataset.replyPlaceholder ?? box.placeholder;
        box.placeholder = window.frontdeskText.t("note_placeholder_short");
        say(window.frontdeskText.t("writing_note"));
      } else if (form.dataset.mode === "note") {
        delete form.dataset.mode;
        box.placeholder = box.dataset.replyPlaceholder ?? "";
        say(window.frontdeskText.t("writing_reply"));
      }
    }
    box.focus();
    return true;
  }

  // Ctrl+Enter (Cmd+Enter) in the composer sends what the mode says: a note or a reply.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    const found = composer();
    if (!found || event.target !== found.box) return;
    const action = found.form.dataset.mode === "note" ? "note" : "reply";
    const button = found.form.querySelector(`button[name="action"][value="${action}"]`);
    if (!button) return;
    event.preventDefault();
    found.form.requestSubmit(button);
  });

  // --- the keys -------------------------------------------------------------------------

  function submitAction(action) {
    const form = actionForm(action);
    if (!form) return false;
    form.requestSubmit();
    return true;
  }

  const KEYS = {
    "?": () => { toggleHelp(); return true; },
    j: () => move(1),
    k: () => move(-1),
    "/": () => {
      const search = document.getElementById("id_q");
      if (!search) return false;
      search.focus();
      search.select();
      return true;
    },
    r: () => setMode("reply"),
    n: () => setMode("note"),
    c: () => submitAction("claim"),
    // On the list: select the current ticket. On a ticket: close it.
    x: () => toggleCurrent() || submitAction("close"),
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (dialog && dialog.open) {
      if (event.key === "?") {
        event.preventDefault();
        toggleHelp();
      }
      return; // Esc and Tab are the dialog's own
    }
    if (isTyping(event.target)) return;

    if (waitingForG && event.key === "h") {
      waitingForG = 0;
      event.preventDefault();
      window.location.assign("/home");
      return;
    }
    waitingForG = 0;
    if (event.key === "g") {
      waitingForG = window.setTimeout(() => { waitingForG = 0; }, 1500);
      return;
    }

    if (event.key === "Enter") {
      // Enter on a link or button already does its own thing.
      const onControl = event.target instanceof Element && event.target.closest("a, button, summary");
      if (!onControl && openCurrent()) event.preventDefault();
      return;
    }
    const handler = Object.prototype.hasOwnProperty.call(KEYS, event.key) ? KEYS[event.key] : null;
    if (handler && handler()) event.preventDefault();
  });

  // The workspace's filters, sent by htmx, leave out empty fields: shorter addresses to share.
  document.addEventListener("htmx:configRequest", (event) => {
    if (!(event.target instanceof Element) || !event.target.matches("form.filter-bar")) return;
    const parameters = event.detail.parameters;
    for (const name of Object.keys(parameters)) {
      if (parameters[name] === "") delete parameters[name];
    }
  });

  // A session that ran out answers an htmx request with the sign-in page (after a redirect):
  // show it as a page, never inside the sidebar or the list.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const answered = new URL(event.detail.xhr.responseURL || location.href);
    if (answered.pathname === "/login") {
      event.detail.shouldSwap = false;
      window.location.assign(answered.href);
    }
  });

  // --- the status line --------------------------------------------------------------------

  // htmx answers write a short confirmation here; it fades after a few seconds.
  if (toast) {
    let clearing = 0;
    new MutationObserver(() => {
      window.clearTimeout(clearing);
      if (toast.textContent.trim()) {
        clearing = window.setTimeout(() => { toast.innerHTML = ""; }, 6000);
      }
    }).observe(toast, { childList: true, subtree: true });
  }
})();
