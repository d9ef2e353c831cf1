/* Inbox core: state, navigation between conversations (the URL is the state), toasts,
 * notifications and sound, htmx wiring. Other modules (live, composer, shortcuts) use
 * window.Inbox. No build step: plain ES2020. */
(function () {
  "use strict";
  const root = document.getElementById("inbox");
  if (!root || !window.htmx) return;

  // Provider media links expire (Meta's CDN) or are unreachable: say so instead of showing
  // a broken image. Capturing listener: error events do not bubble.
  document.addEventListener("error", (event) => {
    if (event.target.tagName !== "IMG") return;
    const link = event.target.closest(".att-image");
    if (link) link.classList.add("att-broken");
    // A customer's picture that no longer loads: the initials underneath show again.
    if (event.target.classList.contains("avatar-img")) event.target.remove();
  }, true);

  const i18n = document.getElementById("i18n").dataset;
  const me = String(root.dataset.user);
  const jsonData = (id, fallback) => {
    const node = document.getElementById(id);
    try { return node ? JSON.parse(node.textContent) : fallback; } catch (e) { return fallback; }
  };
  const rawMarks = jsonData("agent-marks", { following: [], muted: [] });

  const Inbox = {
    root, me, i18n,
    quickReplies: jsonData("quick-replies", []),
    marks: { following: new Set(rawMarks.following || []), muted: new Set(rawMarks.muted || []) },
    sound: root.dataset.sound === "1",
    keepUnread: null, // a conversation the agent marked unread stays unread while open
  };
  window.Inbox = Inbox;

  // --- htmx: refusals are shown, never swallowed -------------------------------------------
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true, error: false }, // the composer re-renders with the reason
    { code: "[45]..", swap: false, error: true },
    { code: "...", swap: false },
  ];
  htmx.config.historyCacheSize = 0; // our own history handling below; never a stale snapshot

  document.body.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403 || status === 404) {
      Inbox.toast(status === 404 ? "404" : "403", "error");
    } else {
      Inbox.toast(i18n.serverError, "error");
    }
  });
  document.body.addEventListener("htmx:sendError", () => Inbox.toast(i18n.networkError, "error"));
  document.body.addEventListener("inbox:toast", (event) => {
    Inbox.toast(event.detail.message, event.detail.level);
  });
  // A response for a pane that is no longer on screen (the agent moved on) is dropped, so
  // a reply's bubble never lands in another conversation's timeline.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (elt && elt !== document.body && !elt.isConnected) event.detail.shouldSwap = false;
    // Quick J/K presses: only the latest request for the conversation pane may land.
    const target = event.detail.target;
    if (target && target.id === "conversation-pane") {
      const headers = (event.detail.requestConfig && event.detail.requestConfig.headers) || {};
      const seq = Number(headers["X-Inbox-Open"] || 0);
      if (seq && seq !== openSeq) event.detail.shouldSwap = false;
    }
  });

  /* Every programmatic request names its own source element: htmx keeps one request in
   * flight per element and drops newcomers, so sharing <body> would make concurrent refreshes
   * silently cancel each other. Sources with hx-sync="this:replace" let the newest win. */
  Inbox.load = function (url, target, options) {
    const opts = options || {};
    return htmx.ajax(opts.verb || "GET", url, {
      source: opts.source || target,
      target,
      swap: opts.swap || "innerHTML",
      headers: opts.headers,
    });
  };
  Inbox.csrf = function () {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      return "";
    }
  };
  Inbox.post = function (url) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": Inbox.csrf(), "HX-Request": "true" },
    });
  };

  // --- toasts ------------------------------------------------------------------------------
  Inbox.toast = function (message, level) {
    if (!message) return;
    const box = document.getElementById("toasts");
    const item = document.createElement("div");
    item.className = "toast toast-" + (level || "info");
    item.setAttribute("role", level === "error" ? "alert" : "status");
    item.textContent = message;
    box.appendChild(item);
    setTimeout(() => item.remove(), level === "error" ? 8000 : 3000);
  };

  // --- navigation ------------------------------------------------------------------------
  const baseUrl = root.dataset.baseUrl;
  let openSeq = 0; // the latest conversation-pane request; older answers are dropped
  Inbox.conversationUrl = (pk) => baseUrl + "c/" + pk + "/";
  Inbox.openId = () => {
    const pane = document.querySelector(".conv-pane[data-conversation]");
    return pane ? Number(pane.dataset.conversation) : null;
  };
  Inbox.isOpen = (pk) => Inbox.openId() === Number(pk);
  // Where the agent is going (set before the pane arrives): keyboard steps count from here.
  Inbox.targetId = () => Number(root.dataset.open) || Inbox.openId();

  /* Run `action` once the pane of the conversation being opened is on screen, so a shortcut
   * pressed right after J/K acts on the conversation the agent moved to, not the previous. */
  const waiting = [];
  let paneReady = true;
  Inbox.whenPaneReady = function (action) {
    if (paneReady) action();
    else waiting.push(action);
  };
  document.body.addEventListener("htmx:afterSettle", (event) => {
    if (!event.detail.target || event.detail.target.id !== "conversation-pane") return;
    const headers = (event.detail.requestConfig && event.detail.requestConfig.headers) || {};
    if (Number(headers["X-Inbox-Open"] || 0) !== openSeq) return;
    paneReady = true;
    waiting.splice(0).forEach((action) => action());
  });

  Inbox.decorateRows = function () {
    const open = Inbox.openId();
    document.querySelectorAll("#conv-list .conv-row").forEach((row) => {
      const id = Number(row.dataset.conv);
      row.classList.toggle("is-active", id === open);
      row.classList.toggle("is-following", Inbox.marks.following.has(id));
      row.classList.toggle("is-muted", Inbox.marks.muted.has(id));
      const link = row.querySelector("a.conv-link");
      if (link) link.setAttribute("aria-current", id === open ? "true" : "false");
    });
  };

  Inbox.openConversation = function (pk, options) {
    const opts = Object.assign({ push: true, focusComposer: true }, options || {});
    const url = Inbox.conversationUrl(pk);
    Inbox.keepUnread = null;
    if (opts.push) history.pushState({ inbox: pk }, "", url + location.search);
    root.dataset.open = pk;
    Inbox.decorateRows();
    openSeq += 1;
    paneReady = false;
    return Inbox.load(url, "#conversation-pane", {
      source: "#pane-requests",
      headers: { "X-Inbox-Open": String(openSeq) },
    })
      .then(() => {
        Inbox.decorateRows();
        if (opts.focusComposer) {
          const input = document.querySelector("[data-composer-input]");
          if (input) input.focus({ preventScroll: true });
        }
      });
  };

  Inbox.showEmpty = function () {
    root.dataset.open = "";
    const pane = document.getElementById("conversation-pane");
    const template = document.getElementById("empty-pane");
    pane.innerHTML = template ? template.innerHTML : "";
    document.getElementById("customer-pane-wrap").innerHTML = "";
    Inbox.decorateRows();
  };

  // Clicks on any conversation link (list rows, past conversations) open it in place.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-conv-link]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    Inbox.openConversation(link.dataset.convLink);
  });

  window.addEventListener("popstate", () => {
    const match = location.pathname.match(/\/c\/(\d+)\/$/);
    Inbox.refreshList();
    if (match) Inbox.openConversation(match[1], { push: false, focusComposer: false });
    else Inbox.showEmpty();
  });

  // --- the list and its filters (filters live in the URL query) ---------------------------
  const filterForm = () => document.getElementById("inbox-filters");
  Inbox.filterQuery = function () {
    const form = filterForm();
    const params = new URLSearchParams();
    if (!form) return params;
    for (const [key, value] of new FormData(form)) {
      if (key === "status") {
        if (value !== "auto") params.set("status", value); // absent = the default, "" = any
      } else if (key === "assign") {
        if (value && value !== "all") params.set(key, value);
      } else if (value) {
        params.set(key, value);
      }
    }
    return params;
  };

  Inbox.refreshList = function () {
    const list = document.getElementById("conv-list");
    if (!list) return Promise.resolve();
    const query = Inbox.filterQuery().toString();
    const url = root.dataset.listUrl + (query ? "?" + query : "");
    return Inbox.load(url, "#conv-list", { source: "#list-requests" }).then(() =>
      Inbox.decorateRows(),
    );
  };

  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.elt && event.detail.elt.id === "inbox-filters" && event.detail.successful) {
      const query = Inbox.filterQuery().toString();
      history.replaceState(history.state, "", location.pathname + (query ? "?" + query : ""));
      const list = document.getElementById("conv-list");
      if (list) list.scrollTop = 0;
    }
  });
  // "Unread" and "Read only" share the name `read`: one at a time.
  document.addEventListener("change", (event) => {
    const box = event.target;
    if (box.matches && box.matches("input[data-exclusive]") && box.checked) {
      document
        .querySelectorAll('input[data-exclusive="' + box.dataset.exclusive + '"]')
        .forEach((other) => { if (other !== box) other.checked = false; });
    }
  });

  // The claim panel's labels are visually hidden in the compact header strip: their text
  // becomes the placeholder so the fields still say what they are for.
  function labelClaimFields() {
    document.querySelectorAll(".conv-claim textarea, .conv-claim input[type=text]").forEach((field) => {
      const label = field.id && document.querySelector('label[for="' + field.id + '"]');
      if (label && !field.placeholder) field.placeholder = label.textContent.split("(")[0].trim();
    });
    // Alt+C belongs to the inbox's shortcut layer (shortcuts.js, every platform alike): a
    // browser accesskey on the same button would click it a second time and that second
    // submit would leave htmx and reload the page.
    document.querySelectorAll(".conv-claim [accesskey]").forEach((node) => {
      node.removeAttribute("accesskey");
    });
  }
  document.body.addEventListener("htmx:afterSettle", () => {
    Inbox.decorateRows();
    Inbox.updateTitle();
    labelClaimFields();
  });
  labelClaimFields();
  document.body.addEventListener("inbox:marks", (event) => {
    const detail = event.detail || {};
    const id = Number(detail.conversation);
    if ("following" in detail) Inbox.marks.following[detail.following ? "add" : "delete"](id);
    if ("muted" in detail) Inbox.marks.muted[detail.muted ? "add" : "delete"](id);
    Inbox.decorateRows();
  });
  document.body.addEventListener("inbox:unread", (event) => {
    Inbox.keepUnread = Number(event.detail.conversation);
  });
  document.body.addEventListener("inbox:sound", (event) => {
    Inbox.sound = Boolean(event.detail.enabled);
  });

  const baseTitle = document.title;
  Inbox.updateTitle = function () {
    const badge = document.getElementById("count-unread");
    const count = badge ? badge.textContent.trim() : "";
    document.title = (count ? "(" + count + ") " : "") + baseTitle;
  };

  // --- sound and browser notifications ------------------------------------------------
  let audio = null;
  const unlockAudio = () => {
    if (!audio && window.AudioContext) audio = new AudioContext();
    if (audio && audio.state === "suspended") audio.resume();
  };
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });

  Inbox.chime = function () {
    if (!Inbox.sound || !audio || audio.state !== "running") return;
    const now = audio.currentTime;
    [880, 1320].forEach((frequency, index) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, now + index * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.08, now + index * 0.12 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + index * 0.12 + 0.25);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + index * 0.12);
      osc.stop(now + index * 0.12 + 0.3);
    });
  };

  const permissionButton = document.querySelector("[data-notify-permission]");
  if (permissionButton && "Notification" in window && Notification.permission === "default") {
    permissionButton.hidden = false;
    permissionButton.addEventListener("click", () => {
      Notification.requestPermission().then(() => { permissionButton.hidden = true; });
    });
  }

  Inbox.shouldNotify = function (event) {
    const id = Number(event.conversation_id);
    if (Inbox.marks.muted.has(id)) return false;
    const assignee = event.assignee_id == null ? "" : String(event.assignee_id);
    return assignee === "" || assignee === me || Inbox.marks.following.has(id);
  };

  Inbox.notify = function (event, name) {
    Inbox.chime();
    const visibleHere = !document.hidden && Inbox.isOpen(event.conversation_id);
    if (visibleHere || !("Notification" in window) || Notification.permission !== "granted") return;
    const note = new Notification(name || i18n.newMessage, {
      body: event.preview || i18n.newMessage,
      tag: "conv-" + event.conversation_id,
    });
    note.onclick = () => {
      window.focus();
      Inbox.openConversation(event.conversation_id);
      note.close();
    };
  };

  Inbox.updateTitle();
  Inbox.decorateRows();
})();
