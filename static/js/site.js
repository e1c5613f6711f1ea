// The frame's enhancements; every page works without this file.
(function () {
  "use strict";

  // The language switch submits as soon as a language is picked.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    var form = select.form;
    form.querySelectorAll("[data-autosubmit-hide]").forEach(function (button) { button.hidden = true; });
    select.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
  });

  // Phones: the menu button opens and closes the drawer (nav, search, "Post an idea").
  var toggle = document.querySelector("[data-menu-toggle]");
  var drawer = document.querySelector("[data-drawer]");
  if (toggle && drawer) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = !drawer.classList.contains("is-open");
      drawer.classList.toggle("is-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        var first = drawer.querySelector("a, input");
        if (first) { first.focus(); }
      }
    });
  }

  // Menus are <details>: one open at a time, closed by Escape (focus back on the button) and by
  // a click elsewhere.
  var menus = Array.prototype.slice.call(document.querySelectorAll("details[data-menu]"));
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (!menu.open) { return; }
      menus.forEach(function (other) { if (other !== menu) { other.open = false; } });
    });
  });
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) { if (menu.open && !menu.contains(event.target)) { menu.open = false; } });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    menus.forEach(function (menu) {
      if (menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    if (drawer && drawer.classList.contains("is-open")) {
      drawer.classList.remove("is-open");
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
  });

  // Messages become toasts: they float at the bottom, can be closed, and leave by themselves
  // after a while (longer for errors), unless the pointer or the focus is on them.
  var CLOSE = document.documentElement.lang === "fr" ? "Fermer" : "Close";
  window.cluetrainToast = function (text, level) {
    var list = document.querySelector("[data-toasts]");
    if (!list) {
      list = document.createElement("ul");
      list.className = "toasts";
      list.setAttribute("data-toasts", "");
      list.setAttribute("role", "status");
      document.body.appendChild(list);
    }
    list.classList.add("toasts--floating");
    var item = document.createElement("li");
    item.className = "toast toast--" + (level || "success");
    var span = document.createElement("span");
    span.className = "toast__text";
    span.textContent = text;
    item.appendChild(span);
    list.appendChild(item);
    dismissable(item);
  };
  function dismissable(item) {
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast__close";
    close.setAttribute("aria-label", CLOSE);
    close.textContent = "×";
    close.addEventListener("click", function () { leave(item); });
    item.appendChild(close);
    var delay = item.classList.contains("toast--error") ? 12000 : 6000;
    var timer = null;
    function arm() { timer = window.setTimeout(function () { leave(item); }, delay); }
    function disarm() { window.clearTimeout(timer); }
    item.addEventListener("mouseenter", disarm);
    item.addEventListener("focusin", disarm);
    item.addEventListener("mouseleave", arm);
    arm();
  }
  function leave(item) {
    item.classList.add("is-leaving");
    window.setTimeout(function () {
      var list = item.parentNode;
      item.remove();
      if (list && !list.children.length) { list.remove(); }
    }, 220);
  }
  var toasts = document.querySelector("[data-toasts]");
  if (toasts) {
    document.body.appendChild(toasts);
    toasts.classList.add("toasts--floating");
    Array.prototype.forEach.call(toasts.children, dismissable);
  }
})();
