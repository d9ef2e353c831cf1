/* Live inbox: one WebSocket per tab, reconnecting with jittered backoff. Pushed rows and
 * bubbles are rendered once on the server; this module only places them. On every (re)connect
 * the panes are re-fetched over HTTP, so an event lost while the socket was down is never a
 * message missed. */
(function () {
  "use strict";
  const Inbox = window.Inbox;
  if (!Inbox) return;
  const root = Inbox.root;

  const parse = (html) => {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  };
  const debounce = (fn, wait) => {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), wait);
    };
  };

  // --- list rows ---------------------------------------------------------------------------
  /* Does a pushed row belong in the list under the current filters? true / false, or null
   * when only the server can tell (text search, date range): then the list is re-fetched. */
  function rowMatches(row) {
    const form = document.getElementById("inbox-filters");
    if (!form) return false;
    const f = new FormData(form);
    const q = (f.get("q") || "").trim();
    if (q.length >= 2 || f.get("from") || f.get("to")) return null;
    const d = row.dataset;
    // Blocked customers' rows belong to the blocked view only, and it covers every status.
    const blockedView = f.get("blocked") === "1";
    if ((d.blocked === "1") !== blockedView) return false;
    const chosen = f.get("status");
    const status = chosen === "auto" ? (blockedView ? "" : "open") : chosen;
    if (status && d.status !== status) return false;
    const assign = f.get("assign") || "all";
    if (assign === "mine" && d.assignee !== Inbox.me) return false;
    if (assign === "unassigned" && d.assignee !== "") return false;
    if (assign === "following" && !Inbox.marks.following.has(Number(d.conv))) return false;
    if (f.get("unanswered") && d.dir !== "in") return false;
    const read = f.getAll("read").pop();
    if (read === "unread" && Number(d.unread) === 0) return false;
    if (read === "read" && Number(d.unread) > 0) return false;
    if (f.get("channel") && d.channel !== f.get("channel")) return false;
    if (f.get("label") && !(d.labels || "").split(",").includes(f.get("label"))) return false;
    if (f.get("phone") && d.phone !== f.get("phone")) return false;
    if (f.get("outcome") && d.outcome !== f.get("outcome")) return false;
    if (f.get("rating") && d.rating !== f.get("rating")) return false;
    return true;
  }

  const newer = (a, b) => {
    const ta = Number(a.dataset.ts), tb = Number(b.dataset.ts);
    return ta > tb || (ta === tb && Number(a.dataset.conv) > Number(b.dataset.conv));
  };

  function insertSorted(list, row) {
    for (const other of list.querySelectorAll(":scope > .conv-row")) {
      if (newer(row, other)) {
        list.insertBefore(row, other);
        return true;
      }
    }
    if (list.querySelector(":scope > [data-more]")) return false; // it belongs to a later page
    list.appendChild(row);
    return true;
  }

  const refreshListSoon = debounce(() => {
    const list = document.getElementById("conv-list");
    if (list && list.scrollTop < 400) Inbox.refreshList();
  }, 700);

  function placeRow(id, html) {
    if (!document.getElementById("conv-list")) return;
    if (!html) return refreshListSoon();
    // The row was rendered once for everyone: give it this person's own unread first.
    Inbox.ownRow(parse(html)).then((row) => (row ? placeOwnRow(id, row) : refreshListSoon()));
  }

  function placeOwnRow(id, row) {
    const list = document.getElementById("conv-list");
    if (!list) return;
    const existing = document.getElementById("conv-" + id);
    const matches = rowMatches(row);
    if (matches === null) {
      if (existing) existing.replaceWith(row);
      refreshListSoon();
    } else if (!matches) {
      // The open conversation's row stays (updated) so the agent does not lose their place,
      // unless its customer was just blocked or unblocked: it moves to the other view.
      const moved = existing && existing.dataset.blocked !== row.dataset.blocked;
      if (existing && Inbox.isOpen(id) && !moved) existing.replaceWith(row);
      else if (existing) existing.remove();
    } else {
      if (existing) existing.remove();
      if (insertSorted(list, row)) {
        const empty = list.querySelector(":scope > .conv-empty-row");
        if (empty) empty.remove();
      }
    }
    htmx.process(row);
    Inbox.decorateRows();
  }

  const refreshCountsSoon = debounce(() => {
    Inbox.load(root.dataset.countsUrl, "#count-unread", {
      source: "#counts-requests",
      swap: "none",
    }).then(() => Inbox.updateTitle());
  }, 1500);

  // --- the open conversation ------------------------------------------------------------------
  const timeline = () => document.getElementById("timeline");
  const items = () => document.getElementById("timeline-items");
  let stickToBottom = true;

  function nearBottom(box) {
    return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  }
  Inbox.scrollToBottom = function () {
    const box = timeline();
    if (!box) return;
    box.scrollTop = box.scrollHeight;
    stickToBottom = true;
    const pill = box.querySelector("[data-new-below]");
    if (pill) pill.hidden = true;
  };

  function upsertBubble(html, { onlyIfPresent } = {}) {
    const list = items();
    if (!list) return;
    const bubble = parse(html);
    const existing = document.getElementById(bubble.id);
    if (existing) {
      existing.replaceWith(bubble);
      htmx.process(bubble);
      return;
    }
    if (onlyIfPresent) return;
    const box = timeline();
    const wasAtBottom = nearBottom(box);
    list.appendChild(bubble);
    htmx.process(bubble);
    const outbound = bubble.classList.contains("msg-out");
    if (wasAtBottom || outbound) Inbox.scrollToBottom();
    else {
      const pill = box.querySelector("[data-new-below]");
      if (pill) pill.hidden = false;
    }
  }

  function lastMessageId() {
    let max = 0;
    document.querySelectorAll("#timeline-items [data-msg]").forEach((node) => {
      max = Math.max(max, Number(node.dataset.msg));
    });
    return max;
  }

  Inbox.fetchMissedMessages = function () {
    const pane = document.querySelector(".conv-pane[data-conversation]");
    if (!pane) return Promise.resolve();
    const url = pane.dataset.timelineUrl + "?after=" + lastMessageId();
    return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : ""))
      .then((html) => {
        if (!html.trim() || !pane.isConnected) return;
        const template = document.createElement("template");
        template.innerHTML = html;
        template.content.querySelectorAll("article[data-msg]").forEach((node) => {
          upsertBubble(node.outerHTML);
        });
      });
  };

  // A pane the agent is typing into (a customer note, an order, a transfer reason) is not
  // replaced under their fingers: its refresh waits until they leave or send it.
  const waiting = new Set();
  function isBeingEdited(element) {
    const active = document.activeElement;
    if (active && element.contains(active) && active.matches("input, textarea, select")) return true;
    return Array.from(element.querySelectorAll("input:not([type=hidden]), textarea")).some(
      (field) => (field.type === "checkbox" || field.type === "radio" ? false : field.value !== field.defaultValue),
    );
  }

  function refreshPane(urlKey, target) {
    const pane = document.querySelector(".conv-pane[data-conversation]");
    const element = document.querySelector(target);
    if (!pane || !element) return Promise.resolve();
    if (isBeingEdited(element)) {
      if (waiting.has(target)) return Promise.resolve();
      waiting.add(target);
      return new Promise((resolve) => setTimeout(resolve, 1000)).then(() => {
        waiting.delete(target);
        return refreshPane(urlKey, target);
      });
    }
    // The pane element itself is the source: if another swap replaces it meanwhile (the
    // agent's own click answered first), this older answer is dropped, never shown stale.
    return Inbox.load(pane.dataset[urlKey], target, { swap: "outerHTML" });
  }
  const refreshHeader = debounce(() => refreshPane("headerUrl", "#conv-header"), 150);
  const refreshCustomer = debounce(() => refreshPane("customerUrl", "#customer-pane"), 150);

  const markReadSoon = debounce(() => {
    const pane = document.querySelector(".conv-pane[data-conversation]");
    if (!pane || document.hidden || Inbox.keepUnread === Number(pane.dataset.conversation)) return;
    Inbox.post(pane.dataset.readUrl);
  }, 400);

  // Keep the newest message in view while the agent is at the bottom (images load late).
  document.addEventListener(
    "scroll",
    (event) => {
      if (event.target && event.target.id === "timeline") {
        stickToBottom = nearBottom(event.target);
        const pill = event.target.querySelector("[data-new-below]");
        if (pill && stickToBottom) pill.hidden = true;
      }
    },
    true,
  );
  const resizeWatcher = new ResizeObserver(() => {
    if (stickToBottom) {
      const box = timeline();
      if (box) box.scrollTop = box.scrollHeight;
    }
  });
  function watchTimeline() {
    resizeWatcher.disconnect();
    const list = items();
    if (list) resizeWatcher.observe(list);
    // The box itself shrinks when the header grows (the claim card opened, labels wrapped).
    const box = timeline();
    if (box) resizeWatcher.observe(box);
  }
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-new-below]")) Inbox.scrollToBottom();
  });
  document.body.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.target && event.detail.target.id === "conversation-pane") {
      Inbox.scrollToBottom();
      watchTimeline();
    }
    // Dedupe: a reply's bubble arrives both in the send response and over the socket.
    const seen = new Set();
    document.querySelectorAll("#timeline-items [data-msg]").forEach((node) => {
      if (seen.has(node.id)) node.remove();
      else seen.add(node.id);
    });
  });

  // --- events ----------------------------------------------------------------------------
  function rowName(html) {
    if (!html) return "";
    const node = parse(html).querySelector(".conv-name");
    return node ? node.textContent.trim() : "";
  }

  /* A system line comes in every interface language: show the page's own. */
  function bubbleHtml(event) {
    const byLanguage = event.html_by_language || {};
    return byLanguage[document.documentElement.lang] || event.html;
  }

  const handlers = {
    "message.created"(event) {
      placeRow(event.conversation_id, event.row);
      if (Inbox.isOpen(event.conversation_id)) {
        const html = bubbleHtml(event);
        if (html) upsertBubble(html);
        else Inbox.fetchMissedMessages();
        if (event.direction === "in") markReadSoon();
      }
      const fromCustomer =
        event.direction === "in" && (event.kind === "inbox" || event.kind === "comment");
      if (fromCustomer && Inbox.shouldNotify(event)) Inbox.notify(event, rowName(event.row));
      refreshCountsSoon();
    },
    "message.updated"(event) {
      if (Inbox.isOpen(event.conversation_id) && bubbleHtml(event)) {
        upsertBubble(bubbleHtml(event), { onlyIfPresent: true });
      }
      // A reply that failed (or is sent again) changes its row: "Not sent:" / "You:".
      if (event.direction === "out" && event.row) placeRow(event.conversation_id, event.row);
    },
    "conversation.changed"(event) {
      placeRow(event.conversation_id, event.row);
      if (Inbox.isOpen(event.conversation_id)) {
        if (event.reason !== "read") refreshHeader();
        // The customer panel lists this conversation's status too: refresh it on any
        // status change (closing, reopening, archiving), not only on its own edits.
        const reason = String(event.reason || "");
        const statusChanged = ["closed", "reopened"].includes(reason) || reason.startsWith("status:");
        if (["order", "customer", "rating"].includes(reason) || statusChanged) refreshCustomer();
      }
      refreshCountsSoon();
    },
    "user.nudge"(event) {
      // My presence changed (this socket made me reachable, or another tab switched me):
      // redraw the top-bar switch.
      if (event.reason === "presence" && window.InboxPresence) window.InboxPresence.redraw();
      // A rule's notice for me (textContent: the rule's text is never read as HTML).
      if (event.reason === "automation_notice") Inbox.toast(event.text, "info");
      refreshCountsSoon();
      // I read a conversation or marked it unread (here or in another tab): only its row.
      if (event.reason === "read") return Inbox.seenChanged(event.conversation_id, event.seen);
      if (event.conversation_id && Inbox.isOpen(event.conversation_id)) refreshHeader();
      if (event.reason !== "marks") refreshListSoon();
    },
  };

  // --- the socket ------------------------------------------------------------------------------
  const status = document.getElementById("live-status");
  const Live = {
    socket: null,
    attempts: 0,
    opened: 0, // how many times the socket opened (1 = first connect)
    holdUntil: 0,
    statusTimer: null,
    events: 0,
  };
  Inbox.live = Live;

  Live.catchUp = function () {
    return Promise.all([
      Inbox.refreshList(),
      Inbox.fetchMissedMessages(),
      refreshPane("headerUrl", "#conv-header"),
      refreshCountsSoon(),
    ]);
  };

  Live.connect = function () {
    const wait = Live.holdUntil - Date.now();
    if (wait > 0) {
      setTimeout(Live.connect, wait);
      return;
    }
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + root.dataset.socketPath);
    Live.socket = socket;
    socket.onopen = () => {
      Live.attempts = 0;
      Live.opened += 1;
      clearTimeout(Live.statusTimer);
      if (!status.hidden) Inbox.toast(Inbox.i18n.reconnected, "ok");
      status.hidden = true;
      root.dataset.live = "open";
      Live.catchUp().then(() => { root.dataset.synced = String(Live.opened); });
    };
    socket.onmessage = (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      Live.events += 1;
      const handler = handlers[event.event];
      if (handler) handler(event);
    };
    socket.onclose = () => {
      if (Live.socket !== socket) return;
      root.dataset.live = "closed";
      clearTimeout(Live.statusTimer);
      Live.statusTimer = setTimeout(() => { status.hidden = false; }, 1200);
      const delay = Math.min(15000, 500 * 2 ** Live.attempts) * (0.5 + Math.random() / 2);
      Live.attempts += 1;
      setTimeout(Live.connect, delay);
    };
  };

  /* Drop the socket as a network failure would (tests and the "offline" simulation);
   * `holdMs` keeps it down for a while before the normal reconnection runs. */
  Live.drop = function (options) {
    Live.holdUntil = Date.now() + ((options && options.holdMs) || 0);
    if (Live.socket) Live.socket.close();
  };

  // Keep-alive: a proxy that drops idle sockets must not leave the inbox deaf.
  setInterval(() => {
    if (Live.socket && Live.socket.readyState === WebSocket.OPEN) {
      Live.socket.send(JSON.stringify({ type: "ping" }));
    }
  }, 25000);
  // Back from sleep or a hidden tab: make sure nothing was missed.
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && Live.socket && Live.socket.readyState === WebSocket.OPEN) {
      Live.catchUp();
    }
  });

  watchTimeline();
  Inbox.scrollToBottom();
  Live.connect();
})();
