// The queue: tabs per status, filters, a dense list beside the current comment's full verdict,
// keyboard-first decisions (j/k a r x A R), bulk by selection or by filter, and polling for
// new comments.
import { get, post, query, ApiError } from "./api.js";
import { h, fill, when, age, announce, labelled, localToRfc3339 } from "./dom.js";
import { highlighted, scoreMeter, matchTable, formatNumber } from "./verdict.js";
import { reasonPrompt } from "./reason.js";
import { proposeBan } from "./bans.js";

const TABS = [
  ["pending", "Pending"],
  ["flagged", "Flagged"],
  ["rejected", "Rejected"],
  ["published", "Published"],
];
const PAGE = 50;

export class QueueView {
  constructor({ pollSeconds }) {
    this.status = "pending";
    this.filters = { article_id: "", rule: "", author: "" };
    this.items = [];
    this.cursor = null;
    this.current = 0;
    this.selected = new Set();
    this.rules = { hold_threshold: 5, reject_threshold: 10, rules: [] };
    this.pollSeconds = pollSeconds;
    this.root = this.build();
  }

  build() {
    this.tabs = h("div", { class: "tabs", role: "tablist", "aria-label": "Queues" },
      TABS.map(([status, label]) => h("button", {
        type: "button", role: "tab", id: `tab-${status}`, dataset: { status },
        onclick: () => this.switchTab(status),
      }, label)));
    const input = (name, placeholder, list) => h("input", {
      name, placeholder, list, autocomplete: "off", spellcheck: "false",
    });
    this.filterInputs = {
      article_id: input("article_id", "article id"),
      rule: input("rule", "rule id", "rule-ids"),
      author: input("author", "email or name"),
    };
    this.ruleList = h("datalist", { id: "rule-ids" });
    this.filterForm = h("form", {
      class: "filters", role: "search",
      onsubmit: (event) => { event.preventDefault(); this.applyFilters(); },
    },
    labelled("Article", this.filterInputs.article_id)[0],
    labelled("Rule", this.filterInputs.rule)[0],
    labelled("Author", this.filterInputs.author)[0],
    this.ruleList,
    h("button", { type: "submit", class: "btn" }, "Filter"),
    h("button", { type: "button", class: "btn btn-quiet", onclick: () => this.clearFilters() }, "Clear"),
    h("button", { type: "button", class: "btn btn-quiet", "aria-expanded": "false", onclick: (e) => this.toggleBulk(e.currentTarget) }, "Bulk by filter…"));
    this.bulkPanel = this.buildBulkPanel();
    this.summary = h("p", { class: "queue-summary", role: "status", "aria-live": "polite" });
    this.selectionBar = h("div", { class: "selection-bar", hidden: true },
      h("button", { type: "button", class: "btn btn-approve", onclick: () => this.approveSelected() },
        "Approve selected ", h("kbd", {}, "A")),
      h("button", { type: "button", class: "btn btn-reject", onclick: () => this.askReject(true) },
        "Reject selected… ", h("kbd", {}, "R")),
      h("button", { type: "button", class: "btn btn-quiet", onclick: () => { this.selected.clear(); this.render(); } },
        "Clear selection"));
    this.list = h("ul", { class: "queue-list", role: "listbox", "aria-label": "Comments", tabindex: "0",
      "aria-multiselectable": "true" });
    this.more = h("button", { type: "button", class: "btn btn-quiet more", hidden: true, onclick: () => this.loadMore() }, "Load more");
    this.detail = h("div", { class: "queue-detail", "aria-live": "off" });
    return h("section", { class: "view queue", "aria-labelledby": "queue-title" },
      h("h1", { id: "queue-title", class: "sr-only" }, "Moderation queue"),
      h("div", { class: "toolbar" }, this.tabs, this.filterForm),
      this.bulkPanel,
      h("div", { class: "summary-row" }, this.summary, this.selectionBar),
      h("div", { class: "queue-body" },
        h("div", { class: "queue-list-wrap" }, this.list, this.more),
        this.detail));
  }

  buildBulkPanel() {
    const action = h("select", { name: "action" }, h("option", { value: "reject" }, "Reject"), h("option", { value: "approve" }, "Approve"));
    const before = h("input", { type: "datetime-local", name: "before" });
    const reason = h("input", { name: "reason", placeholder: "reason (kept in the audit log)" });
    const go = h("button", { type: "submit", class: "btn btn-danger" }, "Apply to all matching");
    const form = h("form", { class: "bulk-panel", hidden: true, "aria-label": "Bulk decision by filter",
      onsubmit: async (event) => {
        event.preventDefault();
        if (go.dataset.armed !== "yes") {
          go.dataset.armed = "yes";
          go.textContent = `Confirm: ${action.value} every ${this.status} comment matching ${this.describeFilters()}`;
          return;
        }
        go.dataset.armed = "";
        go.textContent = "Apply to all matching";
        const filter = { status: this.status, ...this.activeFilters(), before: localToRfc3339(before.value) };
        await this.bulk({ action: action.value, filter, reason: reason.value || undefined });
      } },
    h("p", {}, "Decide every comment in this queue that matches the filters above (and was posted before a time, if given)."),
    labelled("Action", action)[0], labelled("Posted before", before)[0], labelled("Reason", reason)[0], go);
    return form;
  }

  toggleBulk(button) {
    this.bulkPanel.hidden = !this.bulkPanel.hidden;
    button.setAttribute("aria-expanded", String(!this.bulkPanel.hidden));
  }

  activeFilters() {
    const out = {};
    for (const [key, value] of Object.entries(this.filters)) if (value) out[key] = value;
    return out;
  }

  describeFilters() {
    const parts = Object.entries(this.activeFilters()).map(([k, v]) => `${k}=${v}`);
    return parts.length ? parts.join(", ") : "(no filter)";
  }

  async show() {
    this.loadRules();
    await this.reload();
    this.startPolling();
  }

  hide() {
    clearInterval(this.timer);
  }

  async loadRules() {
    try {
      this.rules = await get("/api/v1/moderation/rules");
      fill(this.ruleList, this.rules.rules.map((rule) => h("option", { value: rule.id }, rule.description)));
      this.renderDetail();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }

  describeRule(id) {
    return this.rules.rules.find((rule) => rule.id === id)?.description;
  }

  switchTab(status) {
    this.status = status;
    this.reload();
  }

  applyFilters() {
    for (const [key, input] of Object.entries(this.filterInputs)) this.filters[key] = input.value.trim();
    this.reload();
  }

  clearFilters() {
    for (const input of Object.values(this.filterInputs)) input.value = "";
    this.applyFilters();
  }

  focusFilter() {
    this.filterInputs.article_id.focus();
  }

  path(cursor) {
    return `/api/v1/moderation/queue${query({ status: this.status, ...this.activeFilters(), limit: PAGE, cursor })}`;
  }

  async reload() {
    for (const tab of this.tabs.children) {
      const active = tab.dataset.status === this.status;
      tab.setAttribute("aria-selected", String(active));
      tab.classList.toggle("active", active);
    }
    this.summary.textContent = "Loading…";
    try {
      const page = await get(this.path());
      this.items = page.items;
      this.cursor = page.next_cursor;
      this.current = 0;
      this.selected.clear();
      this.render();
    } catch (error) {
      this.summary.textContent = `Could not load the queue: ${error.message}`;
    }
  }

  async loadMore() {
    const page = await get(this.path(this.cursor));
    this.items.push(...page.items);
    this.cursor = page.next_cursor;
    this.render();
  }

  startPolling() {
    clearInterval(this.timer);
    this.timer = setInterval(() => this.poll(), this.pollSeconds * 1000);
  }

  /** Comments newer than the last one shown: the keyset cursor is the last id. */
  async poll() {
    if (this.cursor || document.hidden) return;
    const last = this.items[this.items.length - 1];
    try {
      const page = await get(this.path(last ? last.id : undefined));
      const known = new Set(this.items.map((item) => item.id));
      const fresh = page.items.filter((item) => !known.has(item.id));
      if (fresh.length === 0) return;
      this.items.push(...fresh);
      this.cursor = page.next_cursor;
      this.render();
      announce(`${fresh.length} new comment${fresh.length === 1 ? "" : "s"} in ${this.status}`);
    } catch (_) {
      // The next tick tries again; a 401 has already asked the person to sign in.
    }
  }

  render() {
    const n = this.items.length;
    this.summary.textContent = n === 0
      ? `Nothing ${this.status} ${Object.keys(this.activeFilters()).length ? "matches the filters" : "right now"}.`
      : `${n}${this.cursor ? "+" : ""} ${this.status} comment${n === 1 ? "" : "s"}${this.selected.size ? ` · ${this.selected.size} selected` : ""}`;
    this.selectionBar.hidden = this.selected.size === 0;
    fill(this.list, this.items.map((item, index) => this.row(item, index)));
    this.more.hidden = !this.cursor;
    this.current = Math.min(this.current, Math.max(0, n - 1));
    this.markCurrent(false);
    this.renderDetail();
  }

  row(item, index) {
    const rules = item.matches.map((m) => m.rule_id);
    const box = h("input", { type: "checkbox", tabindex: "-1", "aria-label": `select comment by ${item.author_name}`,
      checked: this.selected.has(item.id), onclick: (e) => { e.stopPropagation(); this.toggleSelect(item.id); } });
    return h("li", {
      class: "row", role: "option", id: `row-${item.id}`, dataset: { id: item.id },
      "aria-selected": "false", onclick: () => { this.current = index; this.markCurrent(true); this.renderDetail(); },
    },
    box,
    h("span", { class: "row-author" }, item.author_name),
    h("span", { class: "row-body" }, item.body),
    h("span", { class: `badge score-${this.level(item.score)}` }, formatNumber(item.score)),
    h("span", { class: "row-rules" }, rules.slice(0, 2).join(" "), rules.length > 2 ? ` +${rules.length - 2}` : ""),
    item.flags.count ? h("span", { class: "badge flag", title: "reader flags" }, `⚑ ${item.flags.count}`) : null,
    h("time", { class: "row-age", datetime: item.created_at, title: when(item.created_at) }, age(item.created_at)));
  }

  level(score) {
    if (score >= this.rules.reject_threshold) return "reject";
    if (score >= this.rules.hold_threshold) return "hold";
    return "ok";
  }

  markCurrent(scroll) {
    for (const row of this.list.children) {
      const on = row.dataset.id === this.items[this.current]?.id;
      row.classList.toggle("current", on);
      row.setAttribute("aria-selected", String(on));
      if (on) {
        this.list.setAttribute("aria-activedescendant", row.id);
        if (scroll) row.scrollIntoView({ block: "nearest" });
      }
    }
  }

  move(step) {
    if (this.items.length === 0) return;
    this.current = Math.max(0, Math.min(this.items.length - 1, this.current + step));
    this.markCurrent(true);
    this.renderDetail();
  }

  toggleSelect(id) {
    if (!id) return;
    if (this.selected.has(id)) this.selected.delete(id);
    else this.selected.add(id);
    this.render();
  }

  renderDetail() {
    const item = this.items[this.current];
    if (!item) {
      fill(this.detail, h("p", { class: "muted empty" }, "No comment selected."));
      return;
    }
    const history = item.author_history;
    const flags = item.flags;
    fill(this.detail, h("article", { class: "comment", "aria-label": `Comment by ${item.author_name}` },
      h("header", { class: "comment-head" },
        h("strong", { class: "comment-author" }, highlighted(item.author_name, item.matches, "author_name")),
        item.author_email ? h("span", { class: "muted" }, item.author_email) : null,
        h("span", { class: "muted" }, item.client_ip),
        h("span", { class: `status status-${item.status}` }, item.flagged ? `${item.status} · flagged` : item.status)),
      h("p", { class: "comment-where muted" }, "on ", h("code", {}, item.article_id), " · ", when(item.created_at),
        item.parent_id ? [" · reply to ", h("code", {}, item.parent_id.slice(0, 8))] : null),
      h("div", { class: "comment-body" }, highlighted(item.body, item.matches)),
      scoreMeter(item.score, this.rules.hold_threshold, this.rules.reject_threshold),
      matchTable(item.matches, (id) => this.describeRule(id)),
      h("dl", { class: "facts" },
        h("dt", {}, "Author history"),
        h("dd", {}, `${history.published} published · ${history.pending} pending · ${history.rejected} rejected`,
          history.first_seen ? ` · first seen ${when(history.first_seen)}` : ""),
        h("dt", {}, "Reader flags"),
        h("dd", {}, flags.count === 0 ? "none" : [
          `${flags.count}: `, Object.entries(flags.reasons).map(([r, n]) => `${r} ${n}`).join(", "),
          flags.notes.length ? h("ul", { class: "notes" }, flags.notes.map((note) => h("li", {}, note))) : null]),
        item.decided_by ? [h("dt", {}, "Decided"), h("dd", {}, `by ${item.decided_by} ${when(item.decided_at)}`,
          item.decision_reason ? ` — “${item.decision_reason}”` : "")] : null,
        item.deleted_at ? [h("dt", {}, "Deleted"), h("dd", {}, `by its reader ${when(item.deleted_at)}`)] : null,
        item.edited_at ? [h("dt", {}, "Edited"), h("dd", {}, `by its reader ${when(item.edited_at)}`)] : null,
        item.revisions.length ? [h("dt", {}, "Earlier text"), h("dd", {}, h("ol", { class: "revisions" },
          item.revisions.map((r) => h("li", {},
            h("span", { class: "muted" }, `${r.kind === "delete" ? "deleted" : "replaced"} ${when(r.replaced_at)} · was ${r.status} · `),
            h("span", { class: "revision-body" }, r.body)))))] : null),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "btn btn-approve", onclick: () => this.decide("approve") }, "Approve ", h("kbd", {}, "a")),
        h("button", { type: "button", class: "btn btn-reject", onclick: () => this.askReject() }, "Reject… ", h("kbd", {}, "r")),
        h("button", { type: "button", class: "btn btn-quiet", onclick: () => this.toggleSelect(item.id) },
          this.selected.has(item.id) ? "Unselect " : "Select ", h("kbd", {}, "x")),
        h("button", { type: "button", class: "btn btn-quiet ban-author",
          onclick: () => proposeBan("author", item.author_email || item.author_name) }, "Ban author…"),
        h("button", { type: "button", class: "btn btn-quiet ban-address",
          onclick: () => proposeBan("ip", item.client_ip) }, "Ban address…"))));
  }

  async approveSelected() {
    if (this.selected.size === 0) announce("Select comments with x first.");
    else await this.bulk({ action: "approve", ids: [...this.selected] });
  }

  async askReject(bulk = false) {
    const count = bulk ? this.selected.size : 1;
    if (count === 0 || !this.items[this.current]) {
      if (bulk) announce("Select comments with x first.");
      return;
    }
    const reason = await reasonPrompt(bulk ? `Reject ${count} selected comments` : "Reject this comment");
    if (reason === null) return;
    if (bulk) await this.bulk({ action: "reject", ids: [...this.selected], reason: reason || undefined });
    else await this.decide("reject", reason);
  }

  async decide(action, reason) {
    const item = this.items[this.current];
    if (!item) return;
    try {
      // The status the moderator saw: if someone changed it meanwhile, the server says who.
      const request = { expected_status: item.status };
      if (reason) request.reason = reason;
      const answer = await post(`/api/v1/moderation/comments/${encodeURIComponent(item.id)}/${action}`, request);
      announce(`${action === "approve" ? "Approved" : "Rejected"}: ${item.author_name}`, "success");
      this.settled([item.id], answer.status);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        announce(error.message, "error");
        this.settled([item.id], null);
      } else {
        announce(`Could not ${action}: ${error.message}`, "error");
      }
    }
  }

  /** Drops decided comments that no longer belong in this tab, keeping the place. */
  settled(ids, newStatus) {
    if (newStatus === this.status && this.status !== "flagged") return;
    const gone = new Set(ids);
    this.items = this.items.filter((item) => !gone.has(item.id));
    for (const id of ids) this.selected.delete(id);
    this.render();
    this.list.focus();
  }

  async bulk(request) {
    try {
      const answer = await post("/api/v1/moderation/bulk", request);
      announce(`${request.action === "approve" ? "Approved" : "Rejected"} ${answer.changed}; ${answer.skipped} skipped (already decided)`, "success");
      if (request.filter) {
        this.bulkPanel.hidden = true;
        await this.reload();
      } else {
        this.settled(request.ids, null);
      }
    } catch (error) {
      announce(`Bulk ${request.action} failed: ${error.message}`, "error");
    }
  }

  /** Keys while the queue is showing; true when handled. */
  onKey(event) {
    const key = event.key;
    if (key === "j" || key === "ArrowDown") this.move(1);
    else if (key === "k" || key === "ArrowUp") this.move(-1);
    else if (key === "a") this.decide("approve");
    else if (key === "r") this.askReject();
    else if (key === "x") this.toggleSelect(this.items[this.current]?.id);
    else if (key === "A") this.approveSelected();
    else if (key === "R") this.askReject(true);
    else if (key === "/") this.focusFilter();
    else return false;
    return true;
  }
}
