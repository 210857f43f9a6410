// A ticket's page: the composer's two modes, its keys, saving sidebar controls as they
// change, and what a request in flight looks like. Every form here also works without this
// file (and without htmx): it only makes the same posts quicker to reach.
(() => {
  "use strict";

  const NOTE_LABEL = window.frontdeskText.t("note_label");
  const NOTE_PLACEHOLDER = window.frontdeskText.t("note_placeholder");

  function composer() {
    return document.getElementById("composer");
  }

  // --- Reply or internal note ---------------------------------------------------------------

  function showMode(form) {
    const note = form.querySelector("#mode-note");
    const mode = note && note.checked ? "note" : "reply";
    form.dataset.mode = mode;
    form.classList.toggle("composer--note", mode === "note");
    const box = form.querySelector("textarea[name='message']");
    const label = box && form.querySelector(`label[for="${box.id}"]`);
    if (label) {
      label.dataset.replyLabel = label.dataset.replyLabel ?? label.textContent;
      label.textContent = mode === "note" ? NOTE_LABEL : label.dataset.replyLabel;
    }
    if (box) {
      box.dataset.replyPlaceholder = box.dataset.replyPlaceholder ?? box.placeholder;
      box.placeholder = mode === "note" ? NOTE_PLACEHOLDER : box.dataset.replyPlaceholder;
    }
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLInputElement) || target.name !== "mode") return;
    const form = target.closest("#composer");
    if (!form) return;
    showMode(form);
    const box = form.querySelector("textarea[name='message']");
    if (box) box.focus();
  });

  // Ctrl+Enter sends as the mode says (a note in note mode, never a reply);
  // Ctrl+Shift+Enter sends a reply and closes the ticket. Caught before shortcuts.js.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    const form = composer();
    if (!form || !(event.target instanceof Element) || !form.contains(event.target)) return;
    const note = form.dataset.mode === "note";
    const id = note ? "send-note" : event.shiftKey ? "send-close" : "send";
    const button = document.getElementById(id);
    event.preventDefault();
    event.stopPropagation();
    // A click, not requestSubmit(button): htmx learns which button sent a form from its click.
    if (button && !button.disabled) button.click();
  }, true);

  // --- the sidebar saves each change on its own ---------------------------------------------

  document.body.classList.add("autosave");
  document.addEventListener("change", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLElement)) return;
    const form = target.closest("form[data-autosave]");
    if (!form || target.name === "resolution" || target.name === "resolution_public") return;
    // Resolving or closing waits for its resolution and the Save button.
    if (target instanceof HTMLSelectElement && target.selectedOptions[0]?.hasAttribute("data-wait")) {
      return;
    }
    form.requestSubmit();
  });

  // --- a request in flight: buttons wait, uploads show progress -------------------------------

  function formOf(event) {
    const elt = event.detail && event.detail.elt;
    return elt instanceof Element ? elt.closest("form") : null;
  }

  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = formOf(event);
    if (!form) return;
    form.setAttribute("aria-busy", "true");
    for (const button of form.querySelectorAll("button")) button.disabled = true;
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const form = formOf(event);
    if (!form || !document.contains(form)) return;
    form.removeAttribute("aria-busy");
    for (const button of form.querySelectorAll("button")) button.disabled = false;
    const progress = form.querySelector(".upload-progress");
    if (progress) progress.hidden = true;
  });

  document.addEventListener("htmx:xhr:progress", (event) => {
    const form = formOf(event);
    const progress = form && form.querySelector(".upload-progress");
    const files = form && form.querySelector("input[type='file']");
    if (!progress || !files || !files.files || !files.files.length) return;
    if (!event.detail.lengthComputable) return;
    progress.hidden = false;
    progress.value = Math.round((100 * event.detail.loaded) / event.detail.total);
    progress.textContent = window.frontdeskText.t("uploading", { percent: `${progress.value}%` });
  });

  // A composer answered by the server (sent, or refused) shows its mode again.
  document.addEventListener("htmx:afterSettle", () => {
    const form = composer();
    if (form) showMode(form);
  });

  const form = composer();
  if (form) showMode(form);

  // The customer's status line (agents' fades in shortcuts.js): a confirmation goes after a while.
  const toast = document.getElementById("toast");
  if (toast && !document.getElementById("shortcuts-dialog")) {
    let clearing = 0;
    new MutationObserver(() => {
      window.clearTimeout(clearing);
      if (toast.textContent.trim()) clearing = window.setTimeout(() => { toast.innerHTML = ""; }, 6000);
    }).observe(toast, { childList: true, subtree: true });
  }
})();
