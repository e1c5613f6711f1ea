// File pickers (templates/includes/form_field.html with file_picker): the native input is
// visually hidden behind a translated label-button; this lists the chosen files' names.
// Inside an image picker (templates/ideas/idea_form.html, [data-image-picker]) it also makes
// a drop zone, shows a preview of each image with a button to remove it, and checks the
// limits the input carries (data-max-files, data-max-bytes, accept) before anything is sent.
// Without this script the button still works and the server checks the same limits.
(function () {
  "use strict";

  function format(template, values) {
    return template.replace(/%\((\w+)\)[sd]/g, function (whole, key) {
      return key in values ? values[key] : whole;
    });
  }

  function accepts(input, file) {
    var types = (input.getAttribute("accept") || "").split(",").map(function (type) { return type.trim(); });
    // (A file whose type the browser cannot tell is left to the server to judge.)
    return !types[0] || !file.type || types.indexOf(file.type) !== -1;
  }

  // The input's files, set from a list: the form then posts exactly what the previews show.
  function setFiles(input, files) {
    var transfer = new DataTransfer();
    files.forEach(function (file) { transfer.items.add(file); });
    input.files = transfer.files;
  }

  function imagePicker(picker, input, names, show) {
    var box = picker.closest("[data-image-picker]");
    var maxFiles = parseInt(input.dataset.maxFiles, 10) || Infinity;
    var maxBytes = parseInt(input.dataset.maxBytes, 10) || Infinity;
    var chosen = Array.prototype.slice.call(input.files || []);

    var zone = document.createElement("div");
    zone.className = "dropzone";
    zone.setAttribute("data-dropzone", "");
    var hint = document.createElement("p");
    hint.className = "dropzone__hint";
    hint.textContent = box.dataset.dropHint;
    picker.parentNode.insertBefore(zone, picker);
    zone.appendChild(hint);
    zone.appendChild(picker);
    var previews = document.createElement("ul");
    previews.className = "previews";
    previews.setAttribute("aria-label", box.dataset.listLabel);
    previews.setAttribute("data-previews", "");
    zone.appendChild(previews);
    var problem = document.createElement("p");
    problem.className = "errorlist";
    problem.setAttribute("role", "alert");
    problem.setAttribute("data-picker-error", "");
    problem.hidden = true;
    zone.after(problem);

    function render() {
      previews.textContent = "";
      chosen.forEach(function (file, index) {
        var item = document.createElement("li");
        item.className = "preview";
        var image = document.createElement("img");
        image.alt = "";
        image.src = URL.createObjectURL(file);
        image.addEventListener("load", function () { URL.revokeObjectURL(image.src); });
        var name = document.createElement("span");
        name.className = "preview__name";
        name.textContent = file.name;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "preview__remove";
        remove.setAttribute("aria-label", format(box.dataset.removeLabel, { name: file.name }));
        remove.setAttribute("data-remove-image", "");
        remove.textContent = "×";
        remove.addEventListener("click", function () {
          chosen.splice(index, 1);
          update();
          input.focus();
        });
        item.appendChild(image);
        item.appendChild(name);
        item.appendChild(remove);
        previews.appendChild(item);
      });
      previews.hidden = chosen.length === 0;
    }

    function update() {
      setFiles(input, chosen);
      render();
      show();
    }

    // New files join those chosen before (a second pick or drop adds, as in a mail client).
    function add(files) {
      var refused = [];
      Array.prototype.forEach.call(files, function (file) {
        if (!accepts(input, file)) {
          refused.push(format(box.dataset.notImage, { name: file.name }));
        } else if (file.size > maxBytes) {
          refused.push(format(box.dataset.tooBig, { name: file.name, size: Math.round(maxBytes / 1048576) }));
        } else if (chosen.length >= maxFiles) {
          refused.push(format(box.dataset.tooMany, { count: maxFiles }));
        } else {
          chosen.push(file);
        }
      });
      problem.textContent = refused.filter(function (text, i) { return refused.indexOf(text) === i; }).join(" ");
      problem.hidden = refused.length === 0;
      update();
    }

    input.addEventListener("change", function () {
      var picked = Array.prototype.slice.call(input.files || []);
      // The browser replaced the input's files with the new pick: start from the previous ones.
      setFiles(input, chosen);
      add(picked);
    });
    zone.addEventListener("dragover", function (event) {
      event.preventDefault();
      zone.classList.add("is-over");
    });
    zone.addEventListener("dragleave", function (event) {
      if (!zone.contains(event.relatedTarget)) { zone.classList.remove("is-over"); }
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("is-over");
      if (event.dataTransfer && event.dataTransfer.files.length) { add(event.dataTransfer.files); }
    });
    render();
  }

  document.querySelectorAll("[data-file-picker]").forEach(function (picker) {
    var input = picker.querySelector('input[type="file"]');
    var names = picker.querySelector("[data-file-picker-names]");
    if (!input || !names) return;
    function show() {
      var files = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
      names.textContent = files.length ? files.join(", ") : names.dataset.none || "";
    }
    if (picker.closest("[data-image-picker]") && window.DataTransfer && input.multiple) {
      imagePicker(picker, input, names, show);
    } else {
      input.addEventListener("change", show);
    }
    show();
  });
})();
