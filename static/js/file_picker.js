// File pickers (templates/includes/form_field.html with file_picker): the native input is
// visually hidden behind a translated label-button; this lists the chosen files' names.
// Without this script the button still works, only the names are not shown.
(function () {
  "use strict";
  document.querySelectorAll("[data-file-picker]").forEach(function (picker) {
    var input = picker.querySelector('input[type="file"]');
    var names = picker.querySelector("[data-file-picker-names]");
    if (!input || !names) return;
    function show() {
      var files = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
      names.textContent = files.length ? files.join(", ") : names.dataset.none || "";
    }
    input.addEventListener("change", show);
    show();
  });
})();
