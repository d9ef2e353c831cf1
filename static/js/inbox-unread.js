/* Each person's own unread. A pushed row is rendered once for everyone: it carries the
 * conversation's counter of customer messages (`data-total`) and no reader (`data-seen` ""),
 * so this browser works the badge out from the marker it knows (the row it showed before,
 * or its own reads); for a row it never showed it asks the server for its own copy.
 * Loaded after inbox-core.js, before inbox-live.js. */
(function () {
  "use strict";
  const Inbox = window.Inbox;
  if (!Inbox) return;

  const seenOf = new Map(); // conversation id -> how far this person has read its counter

  /* Remember the markers of rows the server rendered for this person. */
  Inbox.rememberSeen = function (scope) {
    (scope || document).querySelectorAll("#conv-list .conv-row[data-seen]").forEach((row) => {
      if (row.dataset.seen !== "") seenOf.set(Number(row.dataset.conv), Number(row.dataset.seen));
    });
  };

  /* Show `row`'s own unread for this person, from `seen`. */
  function paint(row, seen) {
    const total = Number(row.dataset.total || 0);
    const unread = row.dataset.blocked === "1" ? 0 : Math.max(total - seen, 0);
    row.dataset.seen = String(seen);
    row.dataset.unread = String(unread);
    row.classList.toggle("is-unread", unread > 0);
    const end = row.querySelector(".conv-end");
    let badge = end ? end.querySelector(".count") : null;
    if (unread > 0 && end) {
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "count";
        end.appendChild(badge);
      }
      badge.textContent = String(unread);
    } else if (badge) badge.remove();
  }

  /* Give a row rendered for everyone this person's badge. Resolves to the row to place:
   * the same one, or this person's own copy when their marker is not known here. */
  Inbox.ownRow = function (row) {
    const id = Number(row.dataset.conv);
    if (row.dataset.seen !== "") {
      seenOf.set(id, Number(row.dataset.seen));
      return Promise.resolve(row);
    }
    if (seenOf.has(id)) {
      paint(row, seenOf.get(id));
      return Promise.resolve(row);
    }
    return fetch(Inbox.conversationUrl(id) + "row/", {
      headers: { "HX-Request": "true" }, credentials: "same-origin",
    })
      .then((response) => (response.ok ? response.text() : ""))
      .then((html) => {
        const template = document.createElement("template");
        template.innerHTML = html.trim();
        const own = template.content.firstElementChild;
        if (own && own.dataset.seen !== "") {
          seenOf.set(id, Number(own.dataset.seen));
          return own;
        }
        return null; // gone or no longer ours to see: the list refresh will tell
      });
  };

  /* My marker moved (this tab or another of mine read or marked unread): repaint the row. */
  Inbox.seenChanged = function (conversationId, seen) {
    const id = Number(conversationId);
    seenOf.set(id, Number(seen));
    const row = document.getElementById("conv-" + id);
    if (row) paint(row, Number(seen));
  };

  document.body.addEventListener("htmx:afterSettle", () => Inbox.rememberSeen());
  Inbox.rememberSeen();
})();
