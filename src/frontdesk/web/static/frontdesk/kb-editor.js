// The knowledge-base editor: "Upload image" puts the image where the writer's cursor is in the
// text. The form sends the cursor's place as the number of characters before it, each Unicode
// character one and a line break one, as the server counts them (web/views/kb.py,
// with_image_at). Before the writer has been in the text, and without this script, the image
// goes at the end.
(() => {
  "use strict";

  const characters = (text) => Array.from(text).length;

  for (const cursor of document.querySelectorAll("input[data-kb-cursor]")) {
    const form = cursor.form;
    const text = form && form.elements.namedItem("body");
    if (!(text instanceof HTMLTextAreaElement)) continue;
    let placed = false;
    for (const name of ["focus", "click", "keyup", "select"]) {
      text.addEventListener(name, () => {
        placed = true;
      });
    }
    // Read when the form is sent: the upload button has the focus then, and the text keeps
    // its selection.
    form.addEventListener("submit", () => {
      cursor.value = placed ? String(characters(text.value.slice(0, text.selectionStart))) : "";
    });
  }
})();
