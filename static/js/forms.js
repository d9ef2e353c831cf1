// Form behaviour that used to be inline handlers (the Content-Security-Policy runs no inline
// code): a submit button with `data-confirm` asks first; a control with
// `data-submit-on-change` submits its form when changed.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-confirm], input[type=submit][data-confirm]");
    if (button && !button.disabled && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.addEventListener("change", function (event) {
    const control = event.target.closest("[data-submit-on-change]");
    if (control && control.form) control.form.submit();
  });
})();
