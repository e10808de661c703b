// Small DOM helpers shared by the page scripts (demo, tokenizer inspector,
// corpus statistics); loaded before them, so each reads clinlm.el.
"use strict";

window.clinlm = window.clinlm || {};

/**
 * el builds an element: attributes from attrs ("class" and "text" set
 * className and textContent; false or null leave an attribute out, true
 * writes it empty), then the children appended in order.
 */
window.clinlm.el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) node.append(c);
  return node;
};
