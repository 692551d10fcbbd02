// Trying rules before saving: trace one comment through the edited file (or the rules in
// force), and backtest the edited file against stored decisions.
import { post } from "./api.js";
import { h, fill, labelled, localToRfc3339 } from "./dom.js";
import { highlighted, scoreMeter, matchTable } from "./verdict.js";

export class TestPanel {
  constructor(source) {
    this.source = source;
    this.body = h("textarea", { rows: "4", name: "body", placeholder: "A comment to try" });
    this.name = h("input", { name: "author_name", placeholder: "author name" });
    this.email = h("input", { name: "author_email", placeholder: "author email" });
    this.first = h("input", { type: "checkbox", name: "first_comment" });
    this.against = h("select", { name: "against" },
      h("option", { value: "edited" }, "the edited file"), h("option", { value: "live" }, "the rules in force"));
    this.result = h("div", { class: "trace", "aria-live": "polite" });
    this.root = h("form", { class: "panel", "aria-labelledby": "test-title", onsubmit: (e) => { e.preventDefault(); this.run(); } },
      h("h2", { id: "test-title" }, "Test a comment"),
      labelled("Comment", this.body)[0],
      h("div", { class: "row-fields" }, labelled("Name", this.name)[0], labelled("Email", this.email)[0]),
      h("div", { class: "row-fields" },
        h("label", { class: "check" }, this.first, " as the author's first comment"),
        labelled("Against", this.against)[0]),
      h("button", { type: "submit", class: "btn" }, "Test"),
      this.result);
  }

  async run() {
    const request = {
      comment: {
        body: this.body.value,
        author_name: this.name.value || undefined,
        author_email: this.email.value || undefined,
        first_comment: this.first.checked,
      },
      source: this.against.value === "edited" ? this.source() : undefined,
    };
    try {
      const trace = await post("/api/v1/admin/rules/test", request);
      const verdict = trace.verdict;
      fill(this.result,
        h("p", {}, "Decision: ", h("strong", { class: `status status-${trace.status}` }, trace.status)),
        scoreMeter(verdict.score, verdict.hold_threshold, verdict.reject_threshold),
        h("div", { class: "comment-body" }, highlighted(this.body.value, verdict.matches)),
        matchTable(verdict.matches),
        h("p", { class: "muted small" }, "Normalized: ", h("code", {}, trace.normalized_body)));
    } catch (error) {
      fill(this.result, h("p", { class: "error" }, error.message));
    }
  }
}

export class BacktestPanel {
  constructor(source) {
    this.source = source;
    this.since = h("input", { type: "datetime-local", name: "since" });
    this.limit = h("input", { type: "number", name: "limit", min: "1", max: "100000", value: "10000" });
    this.result = h("div", { class: "backtest", "aria-live": "polite" });
    this.root = h("form", { class: "panel", "aria-labelledby": "backtest-title", onsubmit: (e) => { e.preventDefault(); this.run(); } },
      h("h2", { id: "backtest-title" }, "Backtest the edited file"),
      h("p", { class: "muted small" }, "Replays stored comments through the text in the editor: which decisions would change, and how it agrees with moderators."),
      h("div", { class: "row-fields" }, labelled("Since", this.since)[0], labelled("At most", this.limit)[0]),
      h("button", { type: "submit", class: "btn" }, "Backtest"),
      this.result);
  }

  async run() {
    fill(this.result, h("p", { class: "muted" }, "Replaying…"));
    try {
      const report = await post("/api/v1/admin/rules/backtest", {
        source: this.source(),
        since: localToRfc3339(this.since.value),
        limit: Number(this.limit.value) || undefined,
      });
      const changed = report.evaluated - report.unchanged;
      fill(this.result,
        h("p", {}, `${report.evaluated} comment${report.evaluated === 1 ? "" : "s"} replayed: ${changed} would change, ${report.unchanged} unchanged.`),
        h("p", {}, `Moderators decided ${report.moderator_decided}: the file agrees on ${report.agrees_with_moderators}, disagrees on ${report.disagrees_with_moderators}.`),
        report.changes.length ? h("ul", { class: "changes" }, report.changes.map((change) =>
          h("li", {}, h("strong", {}, `${change.from} → ${change.to}: ${change.count}`),
            h("ul", {}, change.examples.map((example) => h("li", {}, h("q", {}, example.excerpt), " ",
              h("span", { class: "muted" }, example.rules.join(", ")))))))) : null,
        report.rules.length ? h("table", { class: "grid" },
          h("thead", {}, h("tr", {}, ["rule", "matched decided", "moderators rejected", "moderators approved"].map((t) => h("th", {}, t)))),
          h("tbody", {}, report.rules.map((rule) => h("tr", {}, h("td", {}, h("code", {}, rule.rule_id)),
            h("td", { class: "num" }, rule.matched), h("td", { class: "num" }, rule.moderator_rejected),
            h("td", { class: "num" }, rule.moderator_approved))))) : null);
    } catch (error) {
      fill(this.result, h("p", { class: "error" }, error.message));
    }
  }
}
