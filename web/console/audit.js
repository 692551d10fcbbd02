// The audit log, newest first, filtered by actor, action, target and time.
import { get, query } from "./api.js";
import { h, fill, when, announce, labelled, localToRfc3339 } from "./dom.js";

function brief(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

export class AuditView {
  constructor() {
    const input = (name, placeholder, type = "text") => h("input", { name, placeholder, type, autocomplete: "off" });
    this.inputs = {
      actor: input("actor", "username"),
      action: input("action", "approve, ban_created, login…"),
      target_id: input("target_id", "comment, user or ban id"),
      since: input("since", "", "datetime-local"),
      until: input("until", "", "datetime-local"),
    };
    this.rows = h("tbody");
    this.cursor = null;
    this.more = h("button", { type: "button", class: "btn btn-quiet more", hidden: true, onclick: () => this.load(true) }, "Load more");
    this.root = h("section", { class: "view", "aria-labelledby": "log-title" },
      h("h1", { id: "log-title" }, "Audit log"),
      h("form", { class: "inline-form", role: "search", onsubmit: (e) => { e.preventDefault(); this.load(false); } },
        labelled("Actor", this.inputs.actor)[0], labelled("Action", this.inputs.action)[0],
        labelled("Target", this.inputs.target_id)[0], labelled("Since", this.inputs.since)[0],
        labelled("Until", this.inputs.until)[0], h("button", { type: "submit", class: "btn" }, "Filter")),
      h("table", { class: "grid log" },
        h("thead", {}, h("tr", {}, ["when", "actor", "action", "target", "change", "reason"].map((t) => h("th", {}, t)))),
        this.rows),
      this.more);
  }

  show() {
    return this.load(false);
  }

  focusFilter() {
    this.inputs.actor.focus();
  }

  onKey(event) {
    if (event.key !== "/") return false;
    this.focusFilter();
    return true;
  }

  async load(append) {
    const params = {
      actor: this.inputs.actor.value.trim(),
      action: this.inputs.action.value.trim(),
      target_id: this.inputs.target_id.value.trim(),
      since: localToRfc3339(this.inputs.since.value),
      until: localToRfc3339(this.inputs.until.value),
      limit: 100,
      cursor: append ? this.cursor : undefined,
    };
    try {
      const page = await get(`/api/v1/moderation/log${query(params)}`);
      const rows = page.entries.map((entry) => h("tr", {},
        h("td", { class: "nowrap" }, when(entry.at)), h("td", {}, entry.actor), h("td", {}, h("code", {}, entry.action)),
        h("td", {}, entry.target_type, entry.target_id ? [" ", h("code", { title: entry.target_id }, entry.target_id.slice(0, 8))] : ""),
        h("td", { class: "change" }, entry.before || entry.after ? `${brief(entry.before)} → ${brief(entry.after)}` : brief(entry.details)),
        h("td", {}, entry.reason || "")));
      if (append) this.rows.append(...rows);
      else fill(this.rows, rows.length ? rows : h("tr", {}, h("td", { colspan: "6", class: "muted" }, "No entries match.")));
      this.cursor = page.next_cursor;
      this.more.hidden = !this.cursor;
    } catch (error) {
      announce(`Could not load the log: ${error.message}`, "error");
    }
  }
}
