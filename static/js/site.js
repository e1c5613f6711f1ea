// Small enhancements; every form works without this file.
(function () {
  "use strict";
  // The language switch submits as soon as a language is picked.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    var form = select.form;
    form.querySelectorAll("[data-autosubmit-hide]").forEach(function (button) { button.hidden = true; });
    select.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
  });
})();
