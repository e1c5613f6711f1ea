// Ideas: votes, follows, reports and comments update in place; similar ideas while typing a title.
// Every form posts normally without this file.
(function () {
  "use strict";

  // A POST whose answer is JSON: its data, or an error in the server's words.
  function postData(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.status === 401 && data.login) {
          // Visitors sign in (the page says why), then come back here; a vote or a
          // follow is finished once they have signed in.
          window.location = data.login;
          throw serverError(data.error);
        }
        if (!response.ok) { throw serverError(data.error || firstFormError(data.errors) || response.statusText); }
        return data;
      });
    });
  }

  function postForm(form) {
    delete form.dataset.posted;
    return postData(form.action, new FormData(form)).then(function (data) {
      form.dataset.posted = "1";
      return data;
    });
  }

  function serverError(message) {
    var error = new Error(message);
    error.fromServer = true;
    return error;
  }

  // What went wrong, told the member in the site's words: the server's message; else, if
  // the post went through (the page could not show the answer), the page itself, reloaded;
  // else (no connection, no answer) the page's own form, posted without this script.
  function failed(form) {
    return function (error) {
      if (error.fromServer) {
        announce(form, error.message);
      } else if (form.dataset.posted) {
        window.location.reload();
      } else {
        form.submit();
      }
    };
  }

  // A Django form's errors as JSON ({field: [{message}]}): the first message to show.
  function firstFormError(errors) {
    if (!errors) { return ""; }
    for (var field in errors) {
      if (errors[field].length) { return errors[field][0].message; }
    }
    return "";
  }

  function clearError(form) {
    var note = form.querySelector("[data-error]");
    if (note) { note.remove(); }
  }

  function announce(form, message) {
    var note = form.querySelector("[data-error]");
    if (!note) {
      note = document.createElement("p");
      note.setAttribute("data-error", "");
      note.setAttribute("role", "alert");
      note.className = "errorlist";
      form.appendChild(note);
    }
    note.textContent = message;
  }

  function toast(message) {
    if (window.cluetrainToast) { window.cluetrainToast(message, "success"); }
  }

  // Reply: the inline form opens under the comment, its text box focused; "Cancel" closes it
  // (without this script, the <details> summary does).
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.matches || !details.matches("details[data-reply]")) { return; }
    if (details.open) {
      var cancel = details.querySelector("[data-reply-cancel]");
      if (cancel) { cancel.hidden = false; }
      var box = details.querySelector("textarea");
      if (box) { box.focus(); }
    }
  }, true);
  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest("[data-reply-cancel]");
    if (!cancel) { return; }
    var details = cancel.closest("details");
    details.open = false;
    details.querySelector("summary").focus();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("[data-vote-form]")) {
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      postForm(form).then(function (data) {
        clearError(form);
        form.querySelector("[data-vote-count]").textContent = data.votes;
        var active = data.value === 1;
        button.classList.toggle("is-active", active);
        button.setAttribute("aria-pressed", active ? "true" : "false");
        // The next click is read against the vote now shown: an undo works at once.
        form.querySelector("[data-vote-current]").value = data.value || 0;
        var label = form.querySelector("[data-vote-label]");
        if (label) { label.textContent = active ? label.dataset.labelOn : label.dataset.labelOff; }
      }).catch(failed(form))
        .finally(function () {
          // Disabling the button took the keyboard's focus away (to the page's start): give it back.
          var lost = !document.activeElement || document.activeElement === document.body;
          button.disabled = false;
          if (lost) { button.focus(); }
        });
    } else if (form.matches("[data-follow-form]")) {
      event.preventDefault();
      var followButton = form.querySelector("button");
      postForm(form).then(function (data) {
        followButton.setAttribute("aria-pressed", data.following ? "true" : "false");
        var followText = followButton.querySelector("[data-follow-label]") || followButton;
        followText.textContent = data.following ? followButton.dataset.followLabelOn : followButton.dataset.followLabelOff;
        if (data.message) { toast(data.message); }
        // (Without the count when the server could not read it again: the follow is saved.)
        if (data.followers !== undefined) { form.querySelector("[data-followers-count]").textContent = data.followers; }
        var followersLabel = form.querySelector("[data-followers-label]");
        if (followersLabel && data.followers_label) { followersLabel.textContent = data.followers_label; }
      }).catch(failed(form));
    } else if (form.matches("[data-flag-form]")) {
      event.preventDefault();
      var sendButton = form.querySelector("button[type=submit]");
      sendButton.disabled = true;
      postForm(form).then(function (data) {
        if (!data.html) { window.location.reload(); return; }  // saved; the page tells the rest
        // The control becomes "Reported"; a toast says what happens next.
        var control = form.closest("[data-flag]");
        var template = document.createElement("template");
        template.innerHTML = data.html.trim();
        var done = template.content.firstElementChild;
        control.replaceWith(done);
        if (window.cluetrainToast) {
          window.cluetrainToast(data.message, "success");
        } else {
          var thanks = document.createElement("span");
          thanks.className = "flag__thanks";
          thanks.setAttribute("role", "status");
          thanks.textContent = data.message;
          done.after(thanks);
        }
      }).catch(function (error) {
        sendButton.disabled = false;
        failed(form)(error);
      });
    } else if (form.matches("[data-comment-form]")) {
      event.preventDefault();
      postForm(form).then(function (data) {
        clearError(form);
        // Saved, but the server could not show it: the page, reloaded, does.
        if (!data.html) { window.location.reload(); return; }
        var heading = document.getElementById("comments-title");
        if (heading && data.comments_label) { heading.textContent = data.comments_label; }
        var template = document.createElement("template");
        template.innerHTML = data.html.trim();
        var item = template.content.firstElementChild;
        var list;
        if (data.parent) {
          var parent = document.getElementById("comment-" + data.parent);
          list = parent.querySelector(".comment-list--replies");
          if (!list) {
            list = document.createElement("ol");
            list.className = "comment-list comment-list--replies";
            parent.appendChild(list);  // under the comment and its tools
          }
        } else {
          list = document.querySelector("[data-comment-list]");
        }
        // (A post sent again answers with the comment it made, which may be shown already.)
        var shown = document.getElementById(item.id);
        if (shown) { item = shown; } else { list.appendChild(item); }
        form.reset();
        // The next comment from this form is a new post: it gets its own key.
        var key = form.querySelector("input[name=form_key]");
        if (key && data.form_key) { key.value = data.form_key; }
        var details = form.closest("details");
        if (details) { details.open = false; }
        item.scrollIntoView({ block: "nearest" });
        if (data.message) { toast(data.message); }
      }).catch(failed(form));
    }
  });

  // Similar ideas as the title (and the body's first lines) is typed, so that votes go to
  // an existing idea: each has one button that votes for it, which also follows it. Each
  // is drawn from the page's <template data-similar-item> (its words translated by the
  // server). Without this file the form posts as usual.
  var title = document.querySelector("[data-similar-source]");
  var box = document.querySelector("[data-similar-results]");
  if (title && box) {
    var timer = null;
    var list = box.querySelector("ul");
    var itemTemplate = box.querySelector("template[data-similar-item]");
    var justVoted = box.querySelector("template[data-similar-just-voted]");
    var body = title.form && title.form.elements.body;
    var token = title.form && title.form.elements.csrfmiddlewaretoken;

    var showVoted = function (item, text) {
      item.querySelector("[data-similar-vote]").hidden = true;
      var voted = item.querySelector("[data-similar-voted]");
      if (text) { voted.querySelector("[data-similar-voted-text]").textContent = text; }
      voted.hidden = false;
    };

    var voteFor = function (idea, item, button) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", token ? token.value : "");
      data.append("value", "1");
      data.append("current", "0"); // the box showed no vote: sent twice, it still means one
      button.disabled = true;
      postData(idea.vote_url, data).then(function (answer) {
        item.querySelector("[data-similar-votes]").textContent = answer.votes;
        showVoted(item, justVoted.content.textContent.trim());
      }).catch(function (error) {
        button.disabled = false;
        var told = item.querySelector("[data-similar-error]");
        told.textContent = error.message;
        told.hidden = false;
      });
    };

    var suggest = function () {
      var text = title.value.trim();
      if (text.length < 4) { box.hidden = true; return; }
      var query = "?title=" + encodeURIComponent(text);
      if (body && body.value.trim()) { query += "&body=" + encodeURIComponent(body.value.trim().slice(0, 300)); }
      fetch(box.dataset.similarUrl + query, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (ideas) {
          list.textContent = "";
          ideas.forEach(function (idea) {
            var item = itemTemplate.content.firstElementChild.cloneNode(true);
            var link = item.querySelector("[data-similar-title]");
            link.href = idea.url;
            link.textContent = idea.title;
            item.querySelector("[data-similar-status]").textContent = idea.status;
            item.querySelector("[data-similar-votes]").textContent = idea.votes;
            var button = item.querySelector("[data-similar-vote]");
            if (idea.voted) {
              showVoted(item);
            } else if (idea.can_vote) {
              button.hidden = false;
              button.addEventListener("click", function () { voteFor(idea, item, button); });
            }
            list.appendChild(item);
          });
          box.hidden = ideas.length === 0;
          // The heading and its explanation speak of one idea or of several.
          box.querySelectorAll("[data-similar-one]").forEach(function (words) { words.hidden = ideas.length !== 1; });
          box.querySelectorAll("[data-similar-many]").forEach(function (words) { words.hidden = ideas.length === 1; });
        });
    };
    var later = function () { clearTimeout(timer); timer = setTimeout(suggest, 250); };
    title.addEventListener("input", later);
    // Back from a suggestion's page: the browser restores the title; suggest again.
    window.addEventListener("pageshow", function () { if (title.value.trim().length >= 4) { later(); } });
    if (body) { body.addEventListener("input", function () { if (body.value.length <= 300) { later(); } }); }
  }

  // Folds open on a wide screen ([data-open-wide]: the list's filters, the home page's
  // welcome). CSS shows their content there already (::details-content); this is for
  // browsers without it.
  if (window.matchMedia && window.matchMedia("(min-width: 48rem)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (fold) { fold.open = true; });
  }
})();
