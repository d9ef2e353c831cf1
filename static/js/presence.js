/* Presence in the top bar. Once a minute (and at once on the first activity after a quiet
 * minute) the page tells the server whether the person did anything (a key, a click, a
 * scroll) and redraws the switch from the answer: an idle agent who comes back is online
 * again without a click, and "Idle" appears once the workspace's idle time has passed.
 * The chosen status (online / away) never changes here: "away" stays away until the person
 * switches back themselves. */
(function () {
  "use strict";
  const EVERY_MS = 60000;
  let active = true; // loading a page is activity
  let lastSent = 0;

  function current() {
    return document.getElementById("presence-switch");
  }

  function send(options) {
    const form = current();
    if (!form) return;
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    const redrawOnly = options && options.redrawOnly;
    const body = new URLSearchParams({ active: active && !redrawOnly ? "1" : "0" });
    if (!redrawOnly) {
      active = false;
      lastSent = Date.now();
    }
    fetch(form.dataset.pingUrl, {
      method: "POST",
      headers: { "X-CSRFToken": token ? token.value : "", "HX-Request": "true" },
      credentials: "same-origin",
      body: body,
    })
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => {
        const old = current();
        if (!html || !old) return;
        old.outerHTML = html;
        if (window.htmx) window.htmx.process(current());
      })
      .catch(() => {}); // offline: the next round tries again
  }

  function noticed() {
    active = true;
    if (Date.now() - lastSent >= EVERY_MS) send();
  }

  ["keydown", "pointerdown", "wheel", "touchstart"].forEach((name) =>
    document.addEventListener(name, noticed, { passive: true, capture: true }),
  );
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) noticed();
  });
  setInterval(() => send(), EVERY_MS);
  // The inbox socket redraws the switch when the server says my presence changed.
  window.InboxPresence = { ping: send, redraw: () => send({ redrawOnly: true }) };
})();
