// Visible focus (WCAG 2.4.7), measured in the page (tests/browser/focus.py): an element shows
// its focus when its outline or its box-shadow differs once focused. A visually hidden control
// (the file picker's input) shows it on its label-button instead.
window.cluetrainFocus = (function () {
  "use strict";
  var FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), ' +
    'select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

  function indicator(el) {
    var box = el.getBoundingClientRect();
    if (box.width <= 1 && box.height <= 1 && el.id) {
      var next = el.nextElementSibling;
      if (next && next.tagName === "LABEL") { return next; }
      return document.querySelector('label[for="' + CSS.escape(el.id) + '"]') || el;
    }
    return el;
  }
  function look(el) {
    var style = getComputedStyle(el);
    var outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return {outline: outlined ? [style.outlineStyle, style.outlineWidth, style.outlineColor].join(" ") : "none",
            shadow: style.boxShadow};
  }
  function differs(before, after) {
    return (after.outline !== "none" && after.outline !== before.outline) || after.shadow !== before.shadow;
  }
  function text(el) {
    return (el.getAttribute("aria-label") || el.textContent || el.value || el.getAttribute("name") || "")
      .trim().replace(/\s+/g, " ").slice(0, 60);
  }
  function describe(el) {
    var classes = typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).join(".") : "";
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes + " “" + text(el) + "”";
  }
  function shown(el) { return el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden"; }

  return {
    // Every focusable element that is shown, focused in turn and compared with itself
    // unfocused (after a key press, Chromium treats programmatic focus as :focus-visible).
    every: function () {
      var missing = [];
      var checked = 0;
      Array.prototype.forEach.call(document.querySelectorAll(FOCUSABLE), function (el) {
        var target = indicator(el);
        if (!shown(el) && !shown(target)) { return; }
        if (document.activeElement && document.activeElement !== document.body) { document.activeElement.blur(); }
        var before = look(target);
        el.focus({preventScroll: true});
        if (document.activeElement !== el) { return; }
        checked += 1;
        if (!differs(before, look(target))) { missing.push(describe(el)); }
      });
      if (document.activeElement) { document.activeElement.blur(); }
      return {checked: checked, missing: missing};
    },
    // Before a key press: how each element looks unfocused.
    remember: function () {
      var looks = new WeakMap();
      Array.prototype.forEach.call(document.querySelectorAll(FOCUSABLE), function (el) {
        if (el !== document.activeElement) { looks.set(el, look(indicator(el))); }
      });
      this.looks = looks;
    },
    // After it: the element the keyboard is on, whether it is in the viewport, and whether it
    // looks other than it did unfocused (null when it was not remembered).
    active: function () {
      var el = document.activeElement;
      if (!el || el === document.body) { return null; }
      var target = indicator(el);
      var before = this.looks && this.looks.get(el);
      var box = target.getBoundingClientRect();
      var inView = box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0 &&
        box.top < window.innerHeight && box.left < window.innerWidth;
      return {element: describe(el), text: text(el), ring: before ? differs(before, look(target)) : null, inView: inView};
    }
  };
})();
