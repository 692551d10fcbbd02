/*! Gatehouse comments widget: an article's published comments and a "Leave a Comment" form
 * ("Comments are closed" instead, when the article is closed).
 *
 * <script src="https://comments.example.com/widget.js" data-article-id="budget-2026" async></script>
 * or, for a site without article ids, keyed by the page's URL (the server's URL rule maps it to
 * an article id; an empty value means the page's canonical link, else its address):
 * <script src="https://comments.example.com/widget.js" data-article-url async></script>
 * Optional: data-container="id of an element to render into", data-page-size="20".
 *
 * Talks only to the Gatehouse API it was loaded from, loads only its own stylesheet from there,
 * and builds every node with createElement/textContent: comment text is never parsed as HTML.
 *
 * A comment posted from this browser can be edited or deleted while its edit window is open:
 * the edit token of the submission is kept in localStorage under "gatehouse-edit:<comment id>"
 * and forgotten once the window has passed.
 */
(function () {
  "use strict";

  var script = document.currentScript ||
    document.querySelector("script[data-article-id][src*='widget.js']") ||
    document.querySelector("script[data-article-url][src*='widget.js']");
  if (!script) return;

  var scriptUrl = new URL(script.src, document.baseURI);
  var API = scriptUrl.origin + "/api/v1";
  var FIELD_LABELS = { author_name: "Name", author_email: "Email", body: "Comment" };
  var instance = 0;

  /** Creates an element with attributes and children (strings become text nodes). */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === false || value === null || value === undefined) return;
      if (name === "text") node.textContent = value;
      else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function loadStylesheet() {
    var href = new URL("widget.css", scriptUrl).href;
    var present = Array.prototype.some.call(
      document.querySelectorAll("link[rel=stylesheet]"),
      function (link) { return link.href === href; });
    if (!present) document.head.appendChild(el("link", { rel: "stylesheet", href: href }));
  }

  function formatDate(text) {
    var date = new Date(text);
    if (isNaN(date)) return text;
    return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" })
      .format(date);
  }

  /** A fresh idempotency key: one per comment, kept for its retries. */
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  var GRANT_PREFIX = "gatehouse-edit:";

  /** localStorage, or null where it is unavailable (privacy modes, sandboxed frames). */
  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  /** The edit grant {token, until (ms)} this browser holds for a comment, if still open. */
  function grantFor(commentId) {
    var storage = store();
    if (!storage) return null;
    try {
      var grant = JSON.parse(storage.getItem(GRANT_PREFIX + commentId) || "null");
      if (grant && grant.token && grant.until > Date.now()) return grant;
    } catch (e) { /* a damaged entry is forgotten below */ }
    forgetGrant(commentId);
    return null;
  }

  function keepGrant(commentId, token, until) {
    var storage = store();
    var ms = Date.parse(until);
    if (!storage || !token || isNaN(ms)) return;
    try {
      storage.setItem(GRANT_PREFIX + commentId, JSON.stringify({ token: token, until: ms }));
    } catch (e) { /* storage full or refused: the comment simply cannot be edited here */ }
  }

  function forgetGrant(commentId) {
    var storage = store();
    if (storage) storage.removeItem(GRANT_PREFIX + commentId);
  }

  /** Drops every grant whose window has passed. */
  function forgetExpiredGrants() {
    var storage = store();
    if (!storage) return;
    var ids = [];
    for (var i = 0; i < storage.length; i++) {
      var name = storage.key(i);
      if (name && name.indexOf(GRANT_PREFIX) === 0) ids.push(name.slice(GRANT_PREFIX.length));
    }
    ids.forEach(grantFor);
  }

  /** A parsed API answer: {status, body, retryAfter}; throws only when the network fails. */
  function request(method, path, payload, key, editToken) {
    var init = { method: method, headers: { Accept: "application/json" }, credentials: "omit" };
    // Reads revalidate (a 304 when nothing changed): a reader who reloads after a moderator
    // closed the article sees it closed, not the browser's copy of a moment ago.
    if (method === "GET") init.cache = "no-cache";
    if (key) init.headers["Idempotency-Key"] = key;
    if (editToken) init.headers["Edit-Token"] = editToken;
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    return fetch(API + path, init).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        return {
          status: response.status,
          body: body,
          retryAfter: parseInt(response.headers.get("Retry-After") || "", 10),
        };
      });
    });
  }

  function Widget(host, articleId, pageSize) {
    this.id = "gh-" + (++instance);
    this.articleId = articleId;
    this.pageSize = pageSize;
    this.cursor = null;
    this.replyTo = null;
    this.build(host);
    this.loadPage();
    this.loadArticle();
  }

  Widget.prototype.build = function (host) {
    var self = this, id = this.id;
    this.count = el("span", { class: "gh-count" });
    this.list = el("ol", { class: "gh-list", "aria-labelledby": id + "-title" });
    this.listStatus = el("p", { class: "gh-list-status", role: "status" });
    this.more = el("button", {
      type: "button", class: "gh-button gh-more", hidden: true,
      onclick: function () { self.loadPage(true); },
    }, ["Load more comments"]);
    this.fields = {
      author_name: this.field("author_name", "input",
        { type: "text", autocomplete: "name", maxlength: "80", required: true }),
      author_email: this.field("author_email", "input",
        { type: "email", autocomplete: "email", maxlength: "254" },
        "Never shown; lets moderators contact you."),
      body: this.field("body", "textarea", { rows: "5", maxlength: "10000", required: true }),
    };
    this.replying = el("p", { class: "gh-replying", hidden: true });
    this.result = el("p", { class: "gh-result", role: "status", "aria-live": "polite" });
    this.submit = el("button", { type: "submit", class: "gh-button gh-primary" }, ["Post comment"]);
    this.form = el("form", {
      class: "gh-form", novalidate: true, "aria-labelledby": id + "-form-title",
      onsubmit: function (event) { event.preventDefault(); self.send(); },
    }, [
      el("h3", { class: "gh-form-title", id: id + "-form-title", text: "Leave a Comment" }),
      this.replying,
      this.fields.author_name.wrap, this.fields.author_email.wrap, this.fields.body.wrap,
      el("div", { class: "gh-actions" }, [this.submit]),
      this.result,
    ]);
    this.premoderated = el("p", { class: "gh-hint gh-premoderated", hidden: true,
      text: "Comments on this article are reviewed by a moderator before they appear." });
    this.form.insertBefore(this.premoderated, this.replying);
    this.closed = el("p", { class: "gh-closed", role: "status", tabindex: "-1", hidden: true,
      text: "Comments are closed." });
    this.root = el("section", { class: "gh-widget", "aria-labelledby": id + "-title" }, [
      el("h2", { class: "gh-title", id: id + "-title" }, ["Comments ", this.count]),
      this.list, this.listStatus, this.more, this.form, this.closed,
    ]);
    host.appendChild(this.root);
  };

  /** A labelled form control with an optional hint and a slot for its error. */
  Widget.prototype.field = function (name, tag, attrs, hint) {
    var controlId = this.id + "-" + name;
    var errorId = controlId + "-error", hintId = controlId + "-hint";
    attrs.id = controlId;
    attrs.name = name;
    attrs["aria-describedby"] = (hint ? hintId + " " : "") + errorId;
    var control = el(tag, attrs);
    var error = el("p", { class: "gh-error", id: errorId });
    var label = el("label", { for: controlId }, [FIELD_LABELS[name]]);
    if (!attrs.required) label.appendChild(el("span", { class: "gh-optional", text: " (optional)" }));
    var wrap = el("div", { class: "gh-field gh-field-" + name }, [
      label, hint ? el("p", { class: "gh-hint", id: hintId, text: hint }) : null, control, error,
    ]);
    return { control: control, error: error, wrap: wrap };
  };

  /** Appends the next page; after "Load more", focus moves to the first comment it added. */
  Widget.prototype.loadPage = function (moveFocus) {
    var self = this;
    var query = "?limit=" + this.pageSize + (this.cursor ? "&cursor=" + encodeURIComponent(this.cursor) : "");
    this.more.disabled = true;
    this.listStatus.textContent = "Loading comments…";
    request("GET", "/articles/" + encodeURIComponent(this.articleId) + "/comments" + query)
      .then(function (answer) {
        if (answer.status !== 200 || !answer.body) throw new Error("status " + answer.status);
        var first = null;
        answer.body.comments.forEach(function (comment) {
          var node = self.list.appendChild(self.renderComment(comment));
          first = first || node;
        });
        if (moveFocus && first) {
          first.setAttribute("tabindex", "-1");
          first.focus();
        }
        self.cursor = answer.body.next_cursor;
        self.more.hidden = !self.cursor;
        self.listStatus.textContent = self.list.children.length ? "" : "No comments yet. Be the first.";
        self.updateCount();
      })
      .catch(function () {
        self.listStatus.textContent = "Comments could not be loaded. Please try again later.";
      })
      .then(function () { self.more.disabled = false; });
  };

  /** Whether readers may comment: a closed article shows "Comments are closed" instead of the
   * form (and no Reply buttons); its thread stays readable. If the state cannot be read, the
   * form stays: a submission to a closed article is refused with a message anyway. */
  Widget.prototype.loadArticle = function () {
    var self = this;
    request("GET", "/articles/" + encodeURIComponent(this.articleId))
      .then(function (answer) {
        if (answer.status !== 200 || !answer.body) return;
        if (answer.body.commenting_open === false) self.closeComments();
        else self.premoderated.hidden = answer.body.state !== "premoderated";
      })
      .catch(function () {});
  };

  Widget.prototype.closeComments = function (note) {
    this.cancelReply();
    this.form.hidden = true;
    this.root.classList.add("gh-is-closed");
    this.closed.textContent = note || "Comments are closed.";
    this.closed.hidden = false;
  };

  Widget.prototype.updateCount = function () {
    // Placeholders of removed comments are not comments to count.
    var n = this.list.querySelectorAll(".gh-comment:not(.gh-removed)").length;
    this.count.textContent = n ? "(" + n + (this.cursor ? "+" : "") + ")" : "";
  };

  Widget.prototype.renderComment = function (comment) {
    var self = this;
    var item = el("li", {
      class: "gh-comment" + (comment.depth > 0 ? " gh-reply" : "") + (comment.removed ? " gh-removed" : ""),
      id: this.id + "-c-" + comment.id, "data-comment-id": comment.id, "data-depth": comment.depth,
    });
    item.style.setProperty("--gh-depth", String(Math.min(comment.depth || 0, 6)));
    if (comment.removed) {
      // A removed comment with published replies: its place in the thread, no author, no text.
      item.appendChild(el("article", { class: "gh-comment-inner" }, [
        el("p", { class: "gh-placeholder", text: "This comment was removed." }),
      ]));
      return item;
    }
    var body = el("p", { class: "gh-body", text: comment.body });
    var meta = el("header", { class: "gh-meta" }, [
      el("span", { class: "gh-author", text: comment.author_name }),
      el("time", { class: "gh-time", datetime: comment.created_at, text: formatDate(comment.created_at) }),
      comment.edited_at ? el("span", { class: "gh-edited", title: formatDate(comment.edited_at), text: "(edited)" }) : null,
    ]);
    var actions = el("div", { class: "gh-comment-actions" }, [
      el("button", {
        type: "button", class: "gh-link gh-reply-button",
        "aria-label": "Reply to " + comment.author_name,
        onclick: function () { self.startReply(comment); },
      }, ["Reply"]),
    ]);
    var inner = el("article", { class: "gh-comment-inner" }, [meta, body, actions]);
    item.appendChild(inner);
    var grant = grantFor(comment.id);
    if (grant) this.offerOwnActions(comment, item, grant);
    return item;
  };

  /** "Edit" and "Delete" on a comment this browser posted, until its edit window closes. */
  Widget.prototype.offerOwnActions = function (comment, item, grant) {
    var self = this;
    var actions = item.querySelector(".gh-comment-actions");
    var edit = el("button", {
      type: "button", class: "gh-link gh-edit-button", "aria-label": "Edit your comment",
      onclick: function () { self.startEdit(comment, item); },
    }, ["Edit"]);
    var remove = el("button", {
      type: "button", class: "gh-link gh-delete-button", "aria-label": "Delete your comment",
      onclick: function () { self.confirmDelete(comment, item); },
    }, ["Delete"]);
    actions.appendChild(edit);
    actions.appendChild(remove);
    var closeAt = Math.min(grant.until - Date.now(), 2147483647);
    setTimeout(function () {
      forgetGrant(comment.id);
      edit.remove();
      remove.remove();
    }, Math.max(closeAt, 0));
  };

  /** A message about one comment, shown inside it. */
  function itemNote(item, message, tone) {
    var note = item.querySelector(".gh-item-note");
    if (!note) {
      note = el("p", { class: "gh-item-note", role: "status" });
      item.querySelector(".gh-comment-inner").appendChild(note);
    }
    note.className = "gh-item-note gh-result-" + tone;
    note.textContent = message;
  }

  /** The window closed or the token is not accepted: the comment is no longer this reader's. */
  function withdrawOwnActions(comment, item) {
    forgetGrant(comment.id);
    item.querySelectorAll(".gh-edit-button, .gh-delete-button, .gh-edit-form, .gh-confirm")
      .forEach(function (node) { node.remove(); });
  }

  Widget.prototype.startEdit = function (comment, item) {
    var self = this;
    if (item.querySelector(".gh-edit-form")) return;
    var body = item.querySelector(".gh-body");
    var textId = this.id + "-edit-" + comment.id;
    var text = el("textarea", { id: textId, class: "gh-edit-text", rows: "4", maxlength: "10000" });
    text.value = body.textContent;
    var save = el("button", { type: "submit", class: "gh-button gh-primary" }, ["Save edit"]);
    var form = el("form", {
      class: "gh-edit-form", novalidate: true,
      onsubmit: function (event) {
        event.preventDefault();
        self.saveEdit(comment, item, text.value.trim(), save);
      },
    }, [
      el("label", { for: textId, text: "Edit your comment" }), text,
      el("div", { class: "gh-actions" }, [
        save,
        el("button", {
          type: "button", class: "gh-button",
          onclick: function () { form.remove(); body.hidden = false; },
        }, ["Cancel"]),
      ]),
    ]);
    body.hidden = true;
    body.after(form);
    text.focus();
  };

  Widget.prototype.saveEdit = function (comment, item, text, save) {
    var grant = grantFor(comment.id);
    if (!grant) {
      withdrawOwnActions(comment, item);
      item.querySelector(".gh-body").hidden = false;
      itemNote(item, "The time to edit this comment has passed.", "error");
      return;
    }
    if (!text) {
      itemNote(item, "Please write a comment.", "error");
      return;
    }
    save.disabled = true;
    request("PATCH", "/comments/" + encodeURIComponent(comment.id), { body: text }, null, grant.token)
      .then(function (answer) {
        var body = answer.body || {};
        var shown = item.querySelector(".gh-body");
        var form = item.querySelector(".gh-edit-form");
        if (answer.status === 200) {
          if (form) form.remove();
          shown.textContent = text;
          shown.hidden = false;
          if (!item.querySelector(".gh-edited")) {
            item.querySelector(".gh-meta").appendChild(el("span", { class: "gh-edited", text: "(edited)" }));
          }
          var tone = body.status === "published" ? "success" : body.status === "pending" ? "info" : "error";
          var message = body.status === "published" ? "Your edit has been saved." : body.message;
          itemNote(item, message, tone);
          return;
        }
        if (answer.status === 403 || answer.status === 410) {
          withdrawOwnActions(comment, item);
          shown.hidden = false;
        }
        if (answer.status === 409 && body.error && body.error.code === "article_closed") {
          if (form) form.remove();
          shown.hidden = false;
          self.closeComments();
        }
        itemNote(item, (body.error && body.error.message) || "Your edit could not be saved.", "error");
      })
      .catch(function () {
        itemNote(item, "Your edit could not be sent: the comment server did not answer.", "error");
      })
      .then(function () { save.disabled = false; });
  };

  Widget.prototype.confirmDelete = function (comment, item) {
    var self = this;
    if (item.querySelector(".gh-confirm")) return;
    var confirm = el("p", { class: "gh-confirm" }, [
      "Delete this comment? ",
      el("button", {
        type: "button", class: "gh-button gh-danger",
        onclick: function () { self.deleteComment(comment, item); },
      }, ["Yes, delete"]),
      " ",
      el("button", {
        type: "button", class: "gh-button",
        onclick: function () { confirm.remove(); },
      }, ["Keep it"]),
    ]);
    item.querySelector(".gh-comment-actions").after(confirm);
  };

  Widget.prototype.deleteComment = function (comment, item) {
    var self = this;
    var grant = grantFor(comment.id);
    if (!grant) {
      withdrawOwnActions(comment, item);
      itemNote(item, "The time to delete this comment has passed.", "error");
      return;
    }
    request("DELETE", "/comments/" + encodeURIComponent(comment.id), undefined, null, grant.token)
      .then(function (answer) {
        if (answer.status === 204) {
          forgetGrant(comment.id);
          item.classList.add("gh-removed");
          item.querySelector(".gh-comment-inner").replaceChildren(
            el("p", { class: "gh-placeholder", role: "status", text: "You deleted this comment." }));
          self.updateCount();
          return;
        }
        if (answer.status === 403 || answer.status === 410) withdrawOwnActions(comment, item);
        var error = (answer.body && answer.body.error) || {};
        itemNote(item, error.message || "Your comment could not be deleted.", "error");
      })
      .catch(function () {
        itemNote(item, "Your comment could not be deleted: the comment server did not answer.", "error");
      });
  };

  Widget.prototype.startReply = function (comment) {
    var self = this;
    this.replyTo = comment;
    this.replying.replaceChildren(
      "Replying to ", el("strong", { text: comment.author_name }), " ",
      el("button", {
        type: "button", class: "gh-link", onclick: function () { self.cancelReply(); },
      }, ["Cancel reply"]));
    this.replying.hidden = false;
    this.fields.body.control.focus();
  };

  Widget.prototype.cancelReply = function () {
    this.replyTo = null;
    this.replying.hidden = true;
    this.replying.replaceChildren();
  };

  Widget.prototype.clearErrors = function () {
    var fields = this.fields;
    Object.keys(fields).forEach(function (name) {
      fields[name].error.textContent = "";
      fields[name].control.removeAttribute("aria-invalid");
    });
  };

  /** Shows a message under its field and moves focus there. */
  Widget.prototype.fieldError = function (name, message) {
    var field = this.fields[name];
    if (!field) return false;
    field.error.textContent = message;
    field.control.setAttribute("aria-invalid", "true");
    field.control.focus();
    return true;
  };

  Widget.prototype.announce = function (message, tone) {
    this.result.className = "gh-result gh-result-" + tone;
    this.result.textContent = message;
  };

  Widget.prototype.send = function () {
    var self = this, fields = this.fields;
    this.clearErrors();
    var payload = {
      author_name: fields.author_name.control.value.trim(),
      body: fields.body.control.value.trim(),
    };
    var email = fields.author_email.control.value.trim();
    if (email) payload.author_email = email;
    if (this.replyTo) payload.parent_id = this.replyTo.id;
    if (!payload.body) this.fieldError("body", "Please write a comment.");
    if (!payload.author_name) this.fieldError("author_name", "Please give a name to show with your comment.");
    if (!payload.author_name || !payload.body) {
      this.announce("Please correct the marked fields.", "error");
      return;
    }
    this.submit.disabled = true;
    this.announce("Sending…", "info");
    // Sending the same comment again (after a network failure) reuses its key, so the server
    // stores it once even if the first attempt did arrive.
    var json = JSON.stringify(payload);
    if (!this.unsent || this.unsent.json !== json) this.unsent = { json: json, key: newKey() };
    var key = this.unsent.key;
    request("POST", "/articles/" + encodeURIComponent(this.articleId) + "/comments", payload, key)
      .then(function (answer) {
        // Nothing was stored on 429 and 503: a retry may keep the key; any other answer is final.
        if (answer.status !== 429 && answer.status !== 503) self.unsent = null;
        self.handleAnswer(answer, payload);
      })
      .catch(function () {
        self.announce("Your comment could not be sent: the comment server did not answer. " +
          "Your text is still here; please try again.", "error");
      })
      .then(function () { self.submit.disabled = false; });
  };

  Widget.prototype.handleAnswer = function (answer, payload) {
    var body = answer.body || {};
    if (answer.status === 201) {
      keepGrant(body.id, body.edit_token, body.editable_until);
      var tone = body.status === "published" ? "success" : body.status === "pending" ? "info" : "error";
      this.announce(body.message || "Thank you.", tone);
      if (body.status === "rejected") return;
      if (body.status === "published") this.showPosted(body, payload);
      this.fields.body.control.value = "";
      this.cancelReply();
      return;
    }
    if (answer.status === 429) {
      var wait = answer.retryAfter > 0 ? answer.retryAfter : 30;
      this.announce("You are commenting too fast: please wait " + wait + " seconds and try again.", "error");
      return;
    }
    var error = body.error || {};
    if (error.code === "article_closed") {
      this.closeComments("Comments are closed. Your comment was not posted.");
      this.closed.focus();
      return;
    }
    var message = error.message || "Your comment could not be posted. Please try again later.";
    if (error.field && this.fieldError(error.field, message)) {
      this.announce("Please correct the marked field.", "error");
    } else {
      this.announce(message, "error");
    }
  };

  /** Puts a just-published comment where the thread order will have it. */
  Widget.prototype.showPosted = function (answer, payload) {
    var parent = this.replyTo;
    var comment = {
      id: answer.id, parent_id: answer.parent_id, author_name: payload.author_name,
      body: payload.body, created_at: answer.created_at,
      depth: parent ? (parent.depth || 0) + 1 : 0,
    };
    var node = this.renderComment(comment);
    var parentNode = parent && this.list.querySelector("[data-comment-id='" + CSS.escape(parent.id) + "']");
    if (parentNode) {
      var after = parentNode;
      while (after.nextElementSibling &&
        Number(after.nextElementSibling.getAttribute("data-depth")) > (parent.depth || 0)) {
        after = after.nextElementSibling;
      }
      after.after(node);
    } else if (!this.cursor) {
      this.list.appendChild(node);
    } else {
      return;
    }
    this.listStatus.textContent = "";
    this.updateCount();
  };

  /** The page URL that keys the thread: data-article-url, else the canonical link, else here. */
  function pageUrl() {
    var given = script.getAttribute("data-article-url");
    if (given) return new URL(given, document.baseURI).href;
    var canonical = document.querySelector("link[rel='canonical'][href]");
    return canonical ? canonical.href : location.href;
  }

  /** Calls back with the article id: data-article-id, or the server's id for the page URL. */
  function resolveArticle(done) {
    var articleId = script.getAttribute("data-article-id");
    if (articleId) return done(articleId);
    if (!script.hasAttribute("data-article-url")) {
      console.error("Gatehouse widget: the script tag needs data-article-id or data-article-url");
      return;
    }
    request("GET", "/articles/resolve?url=" + encodeURIComponent(pageUrl())).then(function (r) {
      if (r.status === 200 && r.body && r.body.article_id) done(r.body.article_id);
      else console.error("Gatehouse widget: the page URL keys no thread", r.body);
    }, function (error) {
      console.error("Gatehouse widget: cannot reach the server", error);
    });
  }

  function start() {
    resolveArticle(mount);
  }

  function mount(articleId) {
    loadStylesheet();
    forgetExpiredGrants();
    var containerId = script.getAttribute("data-container");
    var host = (containerId && document.getElementById(containerId)) ||
      document.getElementById("gatehouse-comments");
    if (!host) {
      host = el("div", { class: "gh-host" });
      if (script.parentNode && script.parentNode !== document.head) {
        script.parentNode.insertBefore(host, script.nextSibling);
      } else {
        document.body.appendChild(host);
      }
    }
    var size = parseInt(script.getAttribute("data-page-size") || "20", 10);
    new Widget(host, articleId, size > 0 && size <= 200 ? size : 20);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
