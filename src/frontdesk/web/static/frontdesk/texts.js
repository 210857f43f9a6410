// The texts the scripts write, in the page's language: the JSON block #js-texts that the page
// frame carries (web/js_texts.py, one catalogue with the templates'). Loaded deferred before
// the other scripts, it gives them window.frontdeskText:
//   t("key", {name: "Ana"})      a text, its %(name)s placeholders filled
//   n("key", 3, {max: 10})       a text with a number, in the language's plural form
// A key missing from the block (a page without it) answers the key itself.
(() => {
  const block = document.getElementById("js-texts");
  let data = { texts: {}, one: {}, other: {} };
  try {
    if (block) data = JSON.parse(block.textContent);
  } catch (error) {
    // keep the empty tables: the keys show, the scripts still work
  }
  const lang = document.documentElement.lang || "en";
  const rules = new Intl.PluralRules(lang);
  const fill = (text, values) =>
    text.replace(/%\((\w+)\)s/g, (all, name) => (values && name in values ? String(values[name]) : all));
  const number = (value) => (typeof value === "number" ? value.toLocaleString(lang) : value);
  window.frontdeskText = {
    lang,
    number,
    t: (key, values) => fill(data.texts[key] ?? key, values),
    n: (key, count, values) => {
      const table = data[rules.select(count)] || data.other;
      const text = table[key] ?? data.other[key] ?? key;
      return fill(text, { ...values, count: number(count) });
    },
  };
})();
