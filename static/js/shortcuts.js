/* Keyboard first: J/K or Alt+↓/↑ move through the list, / searches, R replies, N writes
 * a note, Alt+C claims, Alt+X closes, Alt+S follows, Alt+M mutes, Alt+U marks unread, ? lists
 * them all. Alt combinations use KeyboardEvent.code so they work on macOS (Option) too. */
(function () {
  "use strict";
  const Inbox = window.Inbox;
  if (!Inbox) return;

  const typing = (target) =>
    target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);

  function rows() {
    return Array.from(document.querySelectorAll("#conv-list .conv-row"));
  }

  Inbox.step = function (direction) {
    const list = rows();
    if (!list.length) return;
    const open = Inbox.targetId();
    let index = list.findIndex((row) => Number(row.dataset.conv) === open);
    index = index < 0 ? (direction > 0 ? 0 : list.length - 1) : index + direction;
    if (index < 0 || index >= list.length) return;
    const row = list[index];
    row.scrollIntoView({ block: "nearest" });
    Inbox.openConversation(row.dataset.conv, { focusComposer: false });
  };

  // Claim and close are the claim panel's buttons (routing).
  const SELECTORS = {
    claim: '[data-testid="claim-button"]',
    close: '[data-testid="close-button"]',
  };
  function press(name) {
    Inbox.whenPaneReady(() => {
      const selector = SELECTORS[name] || '[data-shortcut="' + name + '"]';
      const button = document.querySelector("#conv-header :is(" + selector + ")");
      if (!button || button.disabled) return;
      // A panel swapped in a moment ago may not be wired by htmx yet: its form would then
      // submit as a plain POST and reload the page. Wiring twice is a no-op for htmx.
      const wired = button.closest("[hx-post], [hx-get]");
      if (wired && window.htmx) htmx.process(wired);
      button.click();
    });
  }

  const ALT = {
    ArrowDown: () => Inbox.step(1),
    ArrowUp: () => Inbox.step(-1),
    KeyS: () => press("follow"),
    KeyM: () => press("mute"),
    KeyU: () => press("unread"),
    KeyC: () => press("claim"),
    KeyX: () => press("close"),
  };

  const PLAIN = {
    j: () => Inbox.step(1),
    k: () => Inbox.step(-1),
    "/": () => {
      const search = document.getElementById("inbox-search");
      if (search) {
        search.focus();
        search.select();
      }
    },
    r: () => Inbox.composerMode && Inbox.composerMode("reply"),
    n: () => Inbox.composerMode && Inbox.composerMode("note"),
    "?": () => {
      const dialog = document.getElementById("shortcuts");
      if (dialog && !dialog.open) dialog.showModal();
    },
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey) return;
    if (event.altKey && !event.shiftKey) {
      const action = ALT[event.code];
      if (action) {
        event.preventDefault();
        action();
      }
      return;
    }
    if (event.key === "Escape" && event.target.id === "inbox-search") {
      event.target.blur();
      return;
    }
    if (typing(event.target) || event.altKey) return;
    const action = PLAIN[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-shortcuts-open]")) {
      document.getElementById("shortcuts").showModal();
    }
  });
})();
