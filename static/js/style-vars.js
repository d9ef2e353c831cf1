// Per-item colours without inline style attributes (the Content-Security-Policy allows none):
// `data-hue` (an avatar's hue, 0-359) and `data-label-color` (a label's #rrggbb) become the
// CSS variables --hue and --label. Set through the CSSOM, which the policy permits, on the
// first render and on everything htmx or a live push inserts later.
(function () {
  "use strict";
  const HUE = /^\d{1,3}$/;
  const COLOR = /^#[0-9a-fA-F]{3,8}$/;

  function apply(node) {
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const found = node.matches("[data-hue], [data-label-color]") ? [node] : [];
    found.push(...node.querySelectorAll("[data-hue], [data-label-color]"));
    for (const el of found) {
      const hue = el.dataset.hue;
      if (hue !== undefined && HUE.test(hue)) el.style.setProperty("--hue", hue);
      const color = el.dataset.labelColor;
      if (color !== undefined && COLOR.test(color)) el.style.setProperty("--label", color);
    }
  }

  function start() {
    apply(document.body);
    new MutationObserver(function (changes) {
      for (const change of changes) {
        if (change.type === "attributes") apply(change.target);
        else change.addedNodes.forEach(apply);
      }
    }).observe(document.body, {
      childList: true, subtree: true, attributes: true,
      attributeFilter: ["data-hue", "data-label-color"],
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
