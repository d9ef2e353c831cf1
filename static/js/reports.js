// The reports' filter bar: a preset, a filter or the business-hours toggle applies at once;
// editing a date picks "Custom". While the next report loads, the current one is dimmed.
(function () {
  const form = document.getElementById("report-filters");
  if (!form) return;
  const body = document.getElementById("report-body");
  const submit = () => {
    if (body) { body.setAttribute("aria-busy", "true"); body.classList.add("loading"); }
    form.requestSubmit();
  };
  form.addEventListener("change", (event) => {
    const target = event.target;
    if (target.type === "date") {
      const custom = form.querySelector('input[name="range"][value="custom"]');
      if (custom) custom.checked = true;
      return; // dates apply with the Show button (or Enter), not on every keystroke
    }
    submit();
  });
  form.addEventListener("submit", () => {
    if (body) { body.setAttribute("aria-busy", "true"); body.classList.add("loading"); }
  });
})();
