// Articles: every article with comments (or set by a moderator), its state and comment counts;
// open, premoderate or close one, with a closing time and a reason for the audit log.
// Keys: j/k move, o open, p premoderate, c close, / filter.
import { get, call, query, ApiError } from "./api.js";
import { h, fill, when, age, announce, labelled, localToRfc3339 } from "./dom.js";

const PAGE = 50;
const STATE_LABELS = { open: "Open", premoderated: "Premoderated", closed: "Closed" };

/** An RFC 3339 time as a datetime-local value (local time), or "". */
function toLocalInput(text) {
  if (!text) return "";
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

/** Asks for the state, closing time and reason of a change; resolves to the body or null. */
function changePrompt(article, state) {
  return new Promise((resolve) => {
    const select = h("select", { name: "state" },
      Object.entries(STATE_LABELS).map(([value, label]) => h("option", { value }, label)));
    select.value = state;
    const closesAt = h("input", { name: "closes_at", type: "datetime-local",
      value: toLocalInput(article.closes_at) });
    const reason = h("input", { name: "reason", required: true, maxlength: "500", autocomplete: "off",
      placeholder: "required; kept in the audit log" });
    const error = h("p", { class: "form-error", role: "alert" });
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "article-change-title" },
      h("form", { method: "dialog" },
        h("h2", { id: "article-change-title" }, `Article ${article.article_id}`),
        labelled("Comments are", select)[0],
        labelled("Close automatically at (empty: never)", closesAt)[0],
        labelled("Reason", reason)[0],
        error,
        h("div", { class: "actions" },
          h("button", { type: "submit", class: "btn btn-primary", value: "ok" }, "Save"),
          h("button", { type: "submit", class: "btn btn-quiet", value: "cancel", formnovalidate: true }, "Cancel"))));
    const opener = document.activeElement;
    dialog.querySelector("form").addEventListener("submit", (event) => {
      if (event.submitter?.value === "ok" && !reason.value.trim()) {
        event.preventDefault();
        error.textContent = "Say why: the reason goes into the audit log.";
        reason.focus();
      }
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (opener instanceof HTMLElement) opener.focus();
      resolve(dialog.returnValue === "ok"
        ? { state: select.value, closes_at: localToRfc3339(closesAt.value) ?? null, reason: reason.value.trim() }
        : null);
    });
    document.body.append(dialog);
    dialog.showModal();
    reason.focus();
  });
}

export class ArticlesView {
  constructor() {
    this.articles = [];
    this.current = 0;
    this.offset = 0;
    this.nextOffset = null;
    this.table = h("tbody");
    this.state = h("select", { name: "state", onchange: () => this.reload() },
      h("option", { value: "" }, "Any state"),
      Object.entries(STATE_LABELS).map(([value, label]) => h("option", { value }, label)));
    this.sort = h("select", { name: "sort", onchange: () => this.reload() },
      h("option", { value: "activity" }, "Latest comment first"),
      h("option", { value: "pending" }, "Most pending first"),
      h("option", { value: "article_id" }, "By article id"));
    this.prev = h("button", { type: "button", class: "btn", onclick: () => this.page(-1) }, "Previous page");
    this.next = h("button", { type: "button", class: "btn", onclick: () => this.page(1) }, "Next page");
    this.root = h("section", { class: "view", "aria-labelledby": "articles-title" },
      h("h1", { id: "articles-title" }, "Articles"),
      h("div", { class: "filters" }, labelled("State", this.state)[0], labelled("Order", this.sort)[0],
        h("p", { class: "muted small" }, "Keys: ", h("kbd", {}, "j"), " ", h("kbd", {}, "k"), " move, ",
          h("kbd", {}, "o"), " open, ", h("kbd", {}, "p"), " premoderate, ", h("kbd", {}, "c"), " close")),
      h("table", { class: "grid articles" },
        h("thead", {}, h("tr", {}, ["article", "state", "pending", "published", "rejected",
          "latest comment", "closes", ""].map((t) => h("th", { scope: "col" }, t)))),
        this.table),
      h("div", { class: "toolbar" }, this.prev, this.next));
  }

  async show() {
    await this.load();
  }

  reload() {
    this.offset = 0;
    this.current = 0;
    this.load();
  }

  page(direction) {
    if (direction > 0 && this.nextOffset === null) return;
    this.offset = direction > 0 ? this.nextOffset : Math.max(0, this.offset - PAGE);
    this.current = 0;
    this.load();
  }

  async load() {
    try {
      const answer = await get(`/api/v1/moderation/articles${query({
        state: this.state.value, sort: this.sort.value, limit: PAGE, offset: this.offset || undefined,
      })}`);
      this.articles = answer.articles;
      this.nextOffset = answer.next_offset;
      this.current = Math.min(this.current, Math.max(0, this.articles.length - 1));
      this.render();
    } catch (error) {
      announce(`Could not load articles: ${error.message}`, "error");
    }
  }

  render() {
    this.prev.disabled = this.offset === 0;
    this.next.disabled = this.nextOffset === null;
    fill(this.table, this.articles.length === 0
      ? h("tr", {}, h("td", { colspan: "8", class: "muted" }, "No articles yet: they appear with their first comment."))
      : this.articles.map((article, index) => this.row(article, index)));
  }

  row(article, index) {
    const effective = article.effective_state;
    const closes = article.closes_at
      ? `${when(article.closes_at)}${article.closes_by_default ? " (site default)" : ""}` : "never";
    const action = (state, label) => h("button", {
      type: "button", class: `btn${state === "closed" ? " btn-danger" : ""}`,
      disabled: article.state === state && effective === state,
      onclick: () => this.change(article, state),
    }, label);
    return h("tr", {
      class: index === this.current ? "current" : "", tabindex: "-1",
      dataset: { articleId: article.article_id }, "aria-selected": index === this.current ? "true" : "false",
      onclick: () => this.select(index),
    },
    h("th", { scope: "row" }, h("code", {}, article.article_id)),
    h("td", {}, h("span", { class: `status status-${effective}` }, STATE_LABELS[effective] || effective),
      effective !== article.state ? h("span", { class: "muted small" }, ` (set ${article.state})`) : null),
    h("td", { class: "num" }, article.counts.pending),
    h("td", { class: "num" }, article.counts.published),
    h("td", { class: "num" }, article.counts.rejected),
    h("td", {}, article.last_comment_at ? age(article.last_comment_at) : "none"),
    h("td", {}, closes),
    h("td", {}, h("div", { class: "row-actions" }, action("open", "Open"),
      action("premoderated", "Premoderate"), action("closed", "Close"))));
  }

  select(index) {
    this.current = Math.max(0, Math.min(index, this.articles.length - 1));
    [...this.table.rows].forEach((row, i) => {
      row.classList.toggle("current", i === this.current);
      row.setAttribute("aria-selected", i === this.current ? "true" : "false");
    });
    this.table.rows[this.current]?.focus();
  }

  async change(article, state) {
    const body = await changePrompt(article, state);
    if (!body) return;
    try {
      const saved = await call("PUT", `/api/v1/moderation/articles/${encodeURIComponent(article.article_id)}`, body);
      announce(`${article.article_id}: comments ${STATE_LABELS[saved.effective_state].toLowerCase()}`, "success");
      await this.load();
      this.select(this.articles.findIndex((a) => a.article_id === article.article_id));
    } catch (error) {
      announce(error instanceof ApiError && error.field
        ? `${error.field}: ${error.message}` : `Could not change ${article.article_id}: ${error.message}`, "error");
    }
  }

  onKey(event) {
    const article = this.articles[this.current];
    const key = event.key;
    if (key === "j" || key === "ArrowDown") this.select(this.current + 1);
    else if (key === "k" || key === "ArrowUp") this.select(this.current - 1);
    else if (key === "o" && article) this.change(article, "open");
    else if (key === "p" && article) this.change(article, "premoderated");
    else if (key === "c" && article) this.change(article, "closed");
    else if (key === "/") this.state.focus();
    else return false;
    return true;
  }
}
