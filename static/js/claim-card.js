/* The claim card (routing/_claim_panel.html) folds its actions under an "Actions" toggle so the
 * timeline keeps the pane's height. The choice is kept per browser (localStorage) and lives on
 * <html> as the class "claim-card-open", which the stylesheet reads: a panel re-rendered by
 * htmx or by a live push shows the same state at once; this module only keeps each toggle's
 * aria-expanded true to it. The toggle is a <button>, so Enter and Space work natively. */
(function () {
  "use strict";
  const KEY = "inbox:claim-card";
  const OPEN = "claim-card-open";
  const root = document.documentElement;

  function stored() {
    try {
      return localStorage.getItem(KEY) === "open";
    } catch (e) {
      return false; // storage refused (privacy mode): folded, as by default
    }
  }

  let open = stored();

  function apply() {
    root.classList.toggle(OPEN, open);
    document.querySelectorAll("[data-claim-toggle]").forEach((toggle) => {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  document.addEventListener("click", (event) => {
    const toggle = event.target.closest && event.target.closest("[data-claim-toggle]");
    if (!toggle) return;
    open = toggle.getAttribute("aria-expanded") !== "true";
    try {
      localStorage.setItem(KEY, open ? "open" : "closed");
    } catch (e) {
      /* the choice then lasts for this page only */
    }
    apply();
  });

  // Every swap (the panel's own, the header's refresh after a push) brings new toggles.
  if (window.htmx) htmx.onLoad(apply);
  // Another tab of the inbox changed the choice.
  window.addEventListener("storage", (event) => {
    if (event.key !== KEY) return;
    open = stored();
    apply();
  });
  apply();
})();
