// The limits of a form, told before Submit (the pages work without this: the server checks
// the same limits and answers next to the field).
//
// - A text field with data-max-length gets a live count once it is near its limit ("You
//   have 12 characters left", "3 characters too many"), announced politely to screen
//   readers when the writer pauses. Characters are counted as the server counts them: each
//   Unicode character one, a line break one; a title without the spaces around it.
// - A file input with data-max-bytes / data-max-files refuses, before anything is uploaded,
//   a file that is too large or empty and more files than a message can carry, with the
//   reason next to the field.
(() => {
  "use strict";

  const NEAR = 0.8; // the count shows from 80 % of the limit
  const PAUSE_MS = 800;

  const characters = (text) => Array.from(text).length;

  const describe = (control, id, on) => {
    const ids = (control.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    const others = ids.filter((each) => each !== id);
    const next = on ? [...others, id] : others;
    if (next.length) control.setAttribute("aria-describedby", next.join(" "));
    else control.removeAttribute("aria-describedby");
  };

  // The words, in the page's language (texts.js).
  const say = window.frontdeskText;

  function countCharacters(control) {
    const max = Number(control.dataset.maxLength);
    if (!control.id || !(max > 0) || control.dataset.limitsOn) return;
    control.dataset.limitsOn = "1";
    const count = document.createElement("p");
    count.className = "char-count";
    count.id = `${control.id}_count`;
    count.hidden = true;
    const spoken = document.createElement("p");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    control.insertAdjacentElement("afterend", count);
    count.insertAdjacentElement("afterend", spoken);
    let pause = 0;

    const update = () => {
      const value = control.tagName === "INPUT" ? control.value.trim() : control.value;
      const used = characters(value);
      const left = max - used;
      const near = used >= max * NEAR;
      count.hidden = !near;
      count.classList.toggle("char-count--over", left < 0);
      count.textContent =
        left >= 0
          ? say.n("chars_left", left, { max: say.number(max) })
          : say.n("chars_over", -left, { max: say.number(max) });
      describe(control, count.id, near);
      window.clearTimeout(pause);
      pause = window.setTimeout(() => {
        spoken.textContent = near ? count.textContent : "";
      }, PAUSE_MS);
    };
    control.addEventListener("input", update);
    update();
  }

  const sizeText = (bytes) => {
    const units = ["bytes", "KB", "MB", "GB"];
    let size = bytes;
    let unit = 0;
    while (size >= 1024 && unit < units.length - 1) {
      size /= 1024;
      unit += 1;
    }
    const shown = unit === 0 ? String(size) : size.toFixed(1).replace(/\.0$/, "");
    return `${shown}\u00a0${units[unit]}`;
  };

  function checkFiles(input) {
    const maxBytes = Number(input.dataset.maxBytes);
    const maxFiles = Number(input.dataset.maxFiles);
    const error = input.closest(".field")?.querySelector("[data-files-error]");
    if (!error || input.dataset.limitsOn) return;
    input.dataset.limitsOn = "1";

    const kept = () => {
      const list = input.closest("form")?.querySelector("[data-kept-files]");
      if (!list) return 0;
      const removed = list.querySelectorAll('input[name="remove_files"]:checked').length;
      return Number(list.dataset.keptFiles) - removed;
    };

    const refusal = (files) => {
      const room = maxFiles - kept();
      if (maxFiles > 0 && files.length > room) {
        const values = { max: maxFiles, chosen: files.length, kept: maxFiles - room };
        return room < maxFiles ? say.t("files_too_many_kept", values) : say.t("files_too_many", values);
      }
      for (const file of files) {
        if (maxBytes > 0 && file.size > maxBytes) {
          const max = input.dataset.maxSize || sizeText(maxBytes);
          return say.t("file_too_big", { name: file.name, size: sizeText(file.size), max });
        }
        if (file.size === 0) return say.t("file_empty", { name: file.name });
      }
      return "";
    };

    input.addEventListener("change", () => {
      const message = refusal(Array.from(input.files || []));
      const label = document.createElement("span");
      label.className = "visually-hidden";
      label.textContent = `${say.t("error")} `;
      error.replaceChildren(...(message ? [label, message] : []));
      error.hidden = !message;
      if (message) {
        error.setAttribute("role", "alert");
        input.value = ""; // nothing too large is ever sent
        input.setAttribute("aria-invalid", "true");
      } else {
        error.removeAttribute("role");
        input.removeAttribute("aria-invalid");
      }
      describe(input, error.id, Boolean(message));
    });
  }

  const start = (root) => {
    root.querySelectorAll("input[data-max-length], textarea[data-max-length]").forEach(countCharacters);
    root.querySelectorAll("input[type=file][data-max-bytes]").forEach(checkFiles);
  };
  start(document);
  // A form swapped in by htmx gets its limits too.
  document.addEventListener("htmx:load", (event) => start(event.detail.elt.parentNode || document));
})();
