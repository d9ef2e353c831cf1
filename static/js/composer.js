/* The composer: Enter sends, Shift+Enter breaks the line, "/" opens the
 * quick replies (filtered as you type, arrows + Enter insert), reply / internal note switch,
 * the policy gates and the reply-window countdown. Drafts survive switching conversations. */
(function () {
  "use strict";
  const Inbox = window.Inbox;
  if (!Inbox) return;
  const i18n = Inbox.i18n;

  const composer = () => document.getElementById("composer");
  const input = () => document.querySelector("[data-composer-input]");
  const openId = () => Inbox.openId();

  // --- drafts --------------------------------------------------------------------------------
  const draftKey = () => "inbox-draft:" + openId();
  function saveDraft() {
    const box = input();
    if (!box || !openId()) return;
    try {
      if (box.value) sessionStorage.setItem(draftKey(), box.value);
      else sessionStorage.removeItem(draftKey());
    } catch (e) { /* storage full or disabled: drafts are a convenience */ }
  }
  function restoreDraft() {
    const box = input();
    if (!box || box.value) return;
    try { box.value = sessionStorage.getItem(draftKey()) || ""; } catch (e) { /* ignore */ }
  }

  // --- quick replies ------------------------------------------------------------------------
  const fold = (text) =>
    (text || "")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d")
      .replace(/Đ/g, "D")
      .toLowerCase();
  const TRIGGER = /(^|\s)\/([^\s/]*)$/;
  const menuState = { open: false, items: [], index: 0, start: 0 };

  function menu() {
    return document.querySelector("[data-qr-menu]");
  }

  function matchReplies(query) {
    const q = fold(query);
    const scored = [];
    for (const reply of Inbox.quickReplies) {
      const code = fold(reply.shortcut);
      const text = fold(reply.text);
      let score = -1;
      if (!q || code.startsWith(q)) score = 0;
      else if (code.includes(q)) score = 1;
      else if (text.includes(q)) score = 2;
      if (score >= 0) scored.push([score, reply]);
    }
    scored.sort((a, b) => a[0] - b[0] || a[1].shortcut.localeCompare(b[1].shortcut));
    return scored.slice(0, 8).map((pair) => pair[1]);
  }

  function renderMenu() {
    const list = menu();
    if (!list) return;
    list.replaceChildren();
    menuState.items.forEach((reply, index) => {
      const item = document.createElement("li");
      item.setAttribute("role", "option");
      item.id = "qr-" + index;
      item.className = "qr-item" + (index === menuState.index ? " is-active" : "");
      item.setAttribute("aria-selected", index === menuState.index ? "true" : "false");
      const code = document.createElement("b");
      code.textContent = "/" + reply.shortcut;
      const text = document.createElement("span");
      text.textContent = reply.text;
      item.append(code, text);
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        menuState.index = index;
        insertReply();
      });
      list.appendChild(item);
    });
    list.hidden = menuState.items.length === 0;
    const box = input();
    if (box) box.setAttribute("aria-activedescendant", menuState.items.length ? "qr-" + menuState.index : "");
    const active = list.querySelector(".is-active");
    if (active) active.scrollIntoView({ block: "nearest" });
  }

  function closeMenu() {
    menuState.open = false;
    menuState.items = [];
    const list = menu();
    if (list) list.hidden = true;
  }

  function updateMenu() {
    const box = input();
    if (!box || Inbox.quickReplies.length === 0) return closeMenu();
    const before = box.value.slice(0, box.selectionStart);
    const match = before.match(TRIGGER);
    if (!match) return closeMenu();
    menuState.open = true;
    menuState.start = before.length - match[2].length - 1;
    menuState.items = matchReplies(match[2]);
    menuState.index = Math.min(menuState.index, Math.max(0, menuState.items.length - 1));
    if (!menuState.items.length) menuState.index = 0;
    renderMenu();
  }

  function insertReply() {
    const box = input();
    const reply = menuState.items[menuState.index];
    if (!box || !reply) return closeMenu();
    const pane = document.querySelector(".conv-pane[data-customer-name]");
    const name = pane ? pane.dataset.customerName : "";
    const text = reply.text.replace(/\{\{?\s*(name|ten|tên)\s*\}?\}/gi, name || "");
    const end = box.selectionStart;
    box.value = box.value.slice(0, menuState.start) + text + box.value.slice(end);
    const caret = menuState.start + text.length;
    box.setSelectionRange(caret, caret);
    closeMenu();
    saveDraft();
    autosize(box);
  }

  // --- sending -------------------------------------------------------------------------------
  // Grows with what is typed (up to 220 px), never past it: an empty box keeps its one row.
  function autosize(box) {
    box.style.height = "auto";
    const borders = box.offsetHeight - box.clientHeight;
    box.style.height = Math.min(box.scrollHeight + borders, 220) + "px";
  }

  function canSend(form) {
    if (form.classList.contains("is-locked") && !form.classList.contains("mode-note")) return false;
    const box = input();
    const files = form.querySelector("[data-files]");
    return Boolean((box && box.value.trim()) || (files && files.files.length));
  }

  document.addEventListener("keydown", (event) => {
    const box = event.target;
    if (!box.matches || !box.matches("[data-composer-input]")) return;
    if (menuState.open && menuState.items.length) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        menuState.index = (menuState.index + step + menuState.items.length) % menuState.items.length;
        renderMenu();
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && !event.isComposing) {
        event.preventDefault();
        insertReply();
        return;
      }
    }
    if (event.key === "Escape") {
      if (menuState.open) closeMenu();
      else box.blur();
      event.preventDefault();
      return;
    }
    // Vietnamese IMEs compose with Enter too: never send in the middle of a composition.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      const form = box.form;
      if (form && canSend(form)) form.requestSubmit();
    }
  });

  document.addEventListener("input", (event) => {
    if (!event.target.matches || !event.target.matches("[data-composer-input]")) return;
    autosize(event.target);
    updateMenu();
    saveDraft();
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest("[data-qr-menu]") && !event.target.matches("[data-composer-input]")) {
      closeMenu();
    }
  });

  // --- mode, gates, files ----------------------------------------------------------------------
  function setMode(form, mode) {
    form.classList.toggle("mode-note", mode === "note");
    form.classList.toggle("mode-reply", mode !== "note");
    const radio = form.querySelector('input[name="mode"][value="' + mode + '"]');
    if (radio) radio.checked = true;
  }
  Inbox.composerMode = function (mode) {
    const form = composer();
    if (!form) return;
    setMode(form, mode);
    const box = input();
    if (box) box.focus();
  };

  document.addEventListener("change", (event) => {
    const target = event.target;
    const form = target.closest && target.closest("#composer");
    if (!form) return;
    if (target.name === "mode") setMode(form, target.value);
    if (target.matches("[data-files]")) {
      const names = Array.from(target.files).map((file) => file.name).join(", ");
      form.querySelector("[data-file-names]").textContent = names;
    }
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-gate-open]");
    if (!button) return;
    const form = button.closest("#composer");
    const gate = button.closest("[data-gate]");
    if (gate.dataset.gate === "closed") {
      const purpose = form.querySelector('input[name="purpose"]:checked');
      if (!purpose) {
        gate.classList.add("needs-choice");
        const first = form.querySelector('input[name="purpose"]');
        if (first) first.focus();
        return;
      }
    } else {
      const value = gate.querySelector("[data-gate-value]");
      if (value) value.value = "1";
    }
    form.classList.remove("is-locked");
    form.classList.add("is-unlocked");
    const box = input();
    if (box) box.focus();
  });

  // --- countdown of the reply window -------------------------------------------------------------
  function format(seconds) {
    const days = Math.floor(seconds / 86400);
    const hours = Math.floor((seconds % 86400) / 3600);
    const minutes = Math.max(0, Math.floor((seconds % 3600) / 60));
    if (days) return days + " " + i18n.days + " " + hours + " " + i18n.hours;
    if (hours) return hours + " " + i18n.hours + " " + minutes + " " + i18n.minutes;
    return minutes + " " + i18n.minutes;
  }
  let refetching = false;
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach((node) => {
      const left = Math.floor((Date.parse(node.dataset.countdown) - Date.now()) / 1000);
      if (left > 0) {
        node.textContent = format(left);
        node.classList.toggle("is-soon", left < 3600);
      } else if (!refetching) {
        // The window just moved on: the server decides the new phase.
        refetching = true;
        saveDraft();
        const pane = document.querySelector(".conv-pane[data-composer-url]");
        if (pane && composer()) {
          Inbox.load(pane.dataset.composerUrl, "#composer", { swap: "outerHTML" })
            .finally(() => { refetching = false; });
        } else refetching = false;
      }
    });
  }
  setInterval(tick, 20000);

  // --- after every swap ---------------------------------------------------------------------------
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (elt && elt.id === "composer" && event.detail.xhr.status < 300) {
      try { sessionStorage.removeItem("inbox-draft:" + openId()); } catch (e) { /* ignore */ }
    }
  });
  document.body.addEventListener("htmx:afterSettle", (event) => {
    const target = event.detail.target;
    const origin = event.detail.requestConfig && event.detail.requestConfig.elt;
    const fromComposer = (origin && origin.id === "composer") || (target && target.id === "composer");
    const paneSwap = target && target.id === "conversation-pane";
    if (!fromComposer && !paneSwap) return;
    const form = composer();
    if (!form) return;
    closeMenu();
    restoreDraft();
    tick();
    const box = input();
    if (box) autosize(box);
    if (fromComposer && box) box.focus();
  });

  restoreDraft();
  tick();
})();
