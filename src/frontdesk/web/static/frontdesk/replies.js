// Saved replies in a ticket's reply box. "Saved replies" (or "/" typed at the start of a line)
// opens a list of the agent's replies, filtered as they type; Up/Down choose, Enter inserts,
// Escape closes. Help-centre articles matching the words are listed too: choosing one inserts
// its title and address. The chosen reply comes back rendered for this ticket (its placeholders
// filled in by the server, as plain text) and is inserted at the caret; its id goes with the
// message, so that sending applies the reply's status and tag. Nothing here is needed to
// reply: without this file the box is an ordinary text box.
(() => {
  "use strict";

  const SLASH = /^\/([^\s/]{0,40})$/;

  function setUp(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "true";
    const form = root.closest("form");
    const box = form && form.querySelector("textarea[name='message']");
    if (!box) return;
    const hidden = root.querySelector("[data-saved-reply-id]");
    const openButton = root.querySelector("[data-picker-open]");
    const tip = root.querySelector("[data-picker-tip]");
    const panel = root.querySelector("[data-picker-panel]");
    const search = root.querySelector("[data-picker-search]");
    const searchField = root.querySelector("[data-picker-search-field]");
    const results = root.querySelector("[data-picker-results]");
    const status = root.querySelector("[data-picker-status]");
    const chip = root.querySelector("[data-picker-chip]");
    const chipText = root.querySelector("[data-picker-chip-text]");
    const ticket = root.dataset.ticket;

    let mode = null; // "button": the search field has focus; "slash": the reply box keeps it
    let slashStart = -1; // where the "/" is in the box
    let active = -1;
    let loading = 0;

    openButton.hidden = false;
    tip.hidden = false;

    const options = () => Array.from(results.querySelectorAll("[role='option']"));
    const owner = () => (mode === "slash" ? box : search);

    function highlight(index) {
      const list = options();
      active = list.length ? Math.max(0, Math.min(index, list.length - 1)) : -1;
      list.forEach((option, i) => {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
        option.classList.toggle("is-active", i === active);
      });
      if (active >= 0) {
        owner().setAttribute("aria-activedescendant", list[active].id);
        list[active].scrollIntoView({ block: "nearest" });
      } else {
        owner().removeAttribute("aria-activedescendant");
      }
    }

    async function load(text) {
      const number = ++loading;
      const url = `/replies/picker?q=${encodeURIComponent(text)}`;
      try {
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) throw new Error(String(response.status));
        const html = await response.text();
        if (number !== loading || !mode) return;
        results.innerHTML = html;
        const count = options().length;
        status.textContent = count
          ? window.frontdeskText.n("replies_found", count)
          : window.frontdeskText.t("replies_none");
        highlight(0);
      } catch (error) {
        status.textContent = window.frontdeskText.t("replies_failed");
      }
    }

    function open(how, text) {
      mode = how;
      panel.hidden = false;
      openButton.setAttribute("aria-expanded", "true");
      search.setAttribute("aria-expanded", "true");
      searchField.hidden = how === "slash"; // then the reply box is the search field
      if (how === "button") {
        search.value = text;
        search.focus();
      } else {
        box.setAttribute("aria-controls", "reply-picker-list");
      }
      load(text);
    }

    function close(focus) {
      if (!mode) return;
      const was = mode;
      mode = null;
      slashStart = -1;
      active = -1;
      loading += 1; // an answer still on its way is not shown
      panel.hidden = true;
      results.innerHTML = "";
      openButton.setAttribute("aria-expanded", "false");
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      box.removeAttribute("aria-activedescendant");
      box.removeAttribute("aria-controls");
      if (focus) (was === "button" ? openButton : box).focus();
    }

    function describe(reply) {
      hidden.value = String(reply.id);
      chipText.textContent = reply.does
        ? window.frontdeskText.t("reply_using_does", { name: reply.name, does: reply.does })
        : window.frontdeskText.t("reply_using", { name: reply.name });
      chip.hidden = false;
    }

    function forget() {
      hidden.value = "";
      chip.hidden = true;
      chipText.textContent = "";
    }

    async function rendered(id) {
      const url = `/replies/${encodeURIComponent(id)}/render?ticket=${encodeURIComponent(ticket)}`;
      const response = await fetch(url, { credentials: "same-origin" });
      const data = await response.json();
      if (!response.ok) throw new Error(data.error || window.frontdeskText.t("reply_unreadable"));
      return data;
    }

    async function choose(option) {
      // Where the text goes is decided now: a "/word" typed is replaced, else the selection.
      const start = mode === "slash" && slashStart >= 0 ? slashStart : box.selectionStart;
      const end = box.selectionEnd;
      close(false);
      if (option.dataset.articleUrl) {
        // A help-centre article: its title and address, as text; no saved reply is used.
        const title = option.dataset.articleTitle;
        box.setRangeText(`${title}: ${option.dataset.articleUrl}`, start, end, "end");
        box.focus();
        box.dispatchEvent(new Event("input", { bubbles: true }));
        status.textContent = window.frontdeskText.t("reply_link_inserted", { title });
        return;
      }
      try {
        const reply = await rendered(option.dataset.replyId);
        box.setRangeText(reply.text, start, end, "end");
        box.focus();
        box.dispatchEvent(new Event("input", { bubbles: true }));
        describe(reply);
        status.textContent = window.frontdeskText.t("reply_inserted", { name: reply.name });
      } catch (error) {
        box.focus();
        status.textContent = error.message;
      }
    }

    function keys(event) {
      if (!mode) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && !event.shiftKey && active >= 0) {
        event.preventDefault();
        choose(options()[active]);
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        close(true);
      } else if (event.key === "Tab" && mode === "slash") {
        close(false);
      }
    }

    function slashWord() {
      if (box.selectionStart !== box.selectionEnd) return null;
      const before = box.value.slice(0, box.selectionStart);
      const lineStart = before.lastIndexOf("\n") + 1;
      const match = SLASH.exec(before.slice(lineStart));
      return match ? { start: lineStart, text: match[1] } : null;
    }

    box.addEventListener("input", () => {
      if (mode === "button") return;
      const typed = slashWord();
      if (!typed) {
        close(false);
        return;
      }
      slashStart = typed.start;
      if (mode === "slash") load(typed.text);
      else open("slash", typed.text);
    });
    box.addEventListener("keydown", (event) => {
      if (mode === "slash") keys(event);
    });
    search.addEventListener("keydown", keys);
    search.addEventListener("input", () => load(search.value));
    openButton.addEventListener("click", () => (mode ? close(true) : open("button", "")));
    root.querySelector("[data-picker-clear]").addEventListener("click", () => {
      forget();
      status.textContent = window.frontdeskText.t("reply_not_applied");
      box.focus();
    });
    results.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
    results.addEventListener("click", (event) => {
      const option = event.target.closest("[role='option']");
      if (option) choose(option);
    });
    document.addEventListener("click", (event) => {
      if (mode && !root.contains(event.target) && event.target !== box) close(false);
    });
    // Sent in place (htmx): the next message starts without a saved reply.
    form.addEventListener("htmx:afterRequest", (event) => {
      if (event.detail && event.detail.successful) forget();
    });
    // Shown again after an error: say which reply the kept text came from.
    if (hidden.value) {
      rendered(hidden.value).then(describe, forget);
    }
  }

  function scan(within) {
    if (!(within instanceof Element || within instanceof Document)) return;
    if (within instanceof Element && within.matches("[data-saved-replies]")) setUp(within);
    within.querySelectorAll("[data-saved-replies]").forEach(setUp);
  }

  scan(document);
  document.addEventListener("htmx:load", (event) => scan(event.target));
})();
