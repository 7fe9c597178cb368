// Behaviour that used to sit in inline handlers (refused by the Content-Security-Policy):
// a <select data-autosubmit> submits its form as soon as a choice is made.
(function () {
  "use strict";
  document.addEventListener("change", (event) => {
    const field = event.target;
    if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.submit();
    }
  });
})();
