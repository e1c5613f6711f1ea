// The review queue (/admin/community/moderationitem/review/): decide a card without leaving
// the page, and keyboard shortcuts. Without this file every card is a plain form that posts
// and comes back to the queue with a message.
(function () {
  "use strict";

  var list = document.querySelector("[data-review-cards]");
  if (!list) { return; }
  var status = document.querySelector("[data-review-status]");
  var count = document.querySelector("[data-waiting-count]");
  var empty = document.querySelector("[data-review-empty]");

  function cards() { return Array.prototype.slice.call(list.querySelectorAll("[data-card]")); }
  function current() { return list.querySelector("[data-card].is-current") || cards()[0] || null; }

  function select(card, focus) {
    cards().forEach(function (each) { each.classList.toggle("is-current", each === card); });
    if (card && focus) {
      card.focus({ preventScroll: true });
      card.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  }

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle("is-error", Boolean(isError));
  }

  // A reason template fills the message, which stays editable.
  list.addEventListener("change", function (event) {
    if (!event.target.matches("[data-reason-template]")) { return; }
    var form = event.target.form;
    var message = form.querySelector("[data-reason-message]");
    var option = event.target.selectedOptions[0];
    if (!message.value || message.value === message.dataset.filled) {
      message.value = option ? option.dataset.message || "" : "";
      message.dataset.filled = message.value;
    }
  });

  list.addEventListener("focusin", function (event) {
    var card = event.target.closest("[data-card]");
    if (card && !card.classList.contains("is-current")) { select(card, false); }
  });

  list.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-review-form]")) { return; }
    event.preventDefault();
    decide(form, event.submitter);
  });

  function decide(form, button) {
    var card = form.closest("[data-card]");
    var data = new FormData(form);
    if (button && button.name) { data.set(button.name, button.value); }
    data.set("shown", cards().map(function (each) { return each.dataset.card; }).join(","));
    if (list.dataset.community) { data.set("community", list.dataset.community); }
    card.classList.add("is-leaving");
    fetch(form.action, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) {
          var refusal = new Error(answer.error || response.statusText);
          refusal.fromServer = true;
          throw refusal;
        }
        return answer;
      });
    }).then(function (answer) {
      var next = card.nextElementSibling || card.previousElementSibling;
      card.remove();
      if (answer.next) {
        list.insertAdjacentHTML("beforeend", answer.next);
        next = next || list.lastElementChild;
      }
      say(answer.message, false);
      count.textContent = answer.waiting_text;
      empty.hidden = cards().length > 0;
      select(next, true);
    }).catch(function (error) {
      card.classList.remove("is-leaving");
      // No answer from the server (offline, or not JSON): the plain form does the work.
      if (!error.fromServer) { form.submit(); return; }
      say(error.message, true);
      select(card, true);
    });
  }

  function press(card, shortcut) {
    var button = card.querySelector('[data-shortcut="' + shortcut + '"]');
    if (!button) { return; }
    if (shortcut === "r") {
      var message = card.querySelector("[data-reason-message]");
      var template = card.querySelector("[data-reason-template]");
      if (!message.value.trim() && !template.value) {
        say(template.closest("form").dataset.needReason || "", true);
        template.focus();
        return;
      }
    }
    button.form.requestSubmit(button);
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.target.closest("input, textarea, select, [contenteditable]")) { return; }
    var card = current();
    if (!card) { return; }
    var all = cards();
    var index = all.indexOf(card);
    var key = event.key.toLowerCase();
    if (key === "j" || key === "k") {
      var target = all[Math.min(all.length - 1, Math.max(0, index + (key === "j" ? 1 : -1)))];
      select(target, true);
    } else if (["a", "t", "r", "h"].indexOf(key) !== -1) {
      press(card, key);
    } else {
      return;
    }
    event.preventDefault();
  });

  select(current(), false);
})();
