// The rules file for admins: an editor whose check errors and warnings sit at their lines,
// saving with the version check (a 412 shows what the other admin changed), and the rules'
// live and shadow hit counts. Testing a comment and backtesting live in rules-tools.js.
import { get, call, post, ApiError } from "./api.js";
import { h, fill, when, announce } from "./dom.js";
import { lineDiff } from "./diff.js";
import { TestPanel, BacktestPanel } from "./rules-tools.js";
import { formatNumber } from "./verdict.js";

const CHECK_DELAY_MS = 500;

export class RulesView {
  constructor() {
    this.version = null;
    this.base = "";
    this.textarea = h("textarea", { class: "code", spellcheck: "false", wrap: "off", "aria-label": "Rules file (TOML)",
      "aria-describedby": "rules-diagnostics", autocapitalize: "off" });
    this.gutter = h("div", { class: "gutter", "aria-hidden": "true" });
    this.textarea.addEventListener("input", () => { this.renderGutter(); this.scheduleCheck(); });
    this.textarea.addEventListener("scroll", () => { this.gutter.scrollTop = this.textarea.scrollTop; });
    this.status = h("p", { class: "rules-status", role: "status" });
    this.diagnostics = h("ul", { class: "diagnostics", id: "rules-diagnostics", "aria-live": "polite" });
    this.conflict = h("div", { class: "conflict", hidden: true, role: "alert" });
    this.saveButton = h("button", { type: "button", class: "btn btn-primary", onclick: () => this.save() }, "Save");
    this.hits = h("tbody");
    this.tests = new TestPanel(() => this.textarea.value);
    this.backtest = new BacktestPanel(() => this.textarea.value);
    this.root = h("section", { class: "view rules", "aria-labelledby": "rules-title" },
      h("h1", { id: "rules-title" }, "Rules"),
      this.status,
      h("div", { class: "rules-grid" },
        h("div", { class: "rules-editor" },
          h("div", { class: "editor" }, this.gutter, this.textarea),
          h("div", { class: "actions" },
            h("button", { type: "button", class: "btn", onclick: () => this.check() }, "Check"),
            this.saveButton,
            h("button", { type: "button", class: "btn btn-quiet", onclick: () => this.load() }, "Discard edits")),
          this.conflict,
          h("h2", {}, "Check"),
          this.diagnostics),
        h("div", { class: "rules-side" }, this.tests.root, this.backtest.root)),
      h("h2", {}, "Hits since the rules were loaded"),
      h("table", { class: "grid hits" },
        h("thead", {}, h("tr", {}, ["rule", "description", "action", "weight", "mode", "live hits", "shadow hits"].map((t) => h("th", {}, t)))),
        this.hits));
  }

  async show() {
    if (this.version === null) await this.load();
    else await this.refreshHits();
  }

  async load() {
    const rules = await get("/api/v1/admin/rules");
    this.version = rules.version;
    this.base = rules.source;
    this.textarea.value = rules.source;
    this.conflict.hidden = true;
    this.describe(rules);
    this.renderGutter();
    await this.check();
  }

  describe(rules) {
    fill(this.status, "Version ", h("code", {}, rules.version.slice(0, 12)), ` loaded ${when(rules.loaded_at)}`,
      rules.last_reload_error ? h("span", { class: "error" }, ` · last reload refused ${when(rules.last_reload_error.at)}: ${rules.last_reload_error.message}`) : "");
    fill(this.hits, rules.rules.map((rule) => h("tr", { class: rule.enabled ? "" : "disabled" },
      h("td", {}, h("code", {}, rule.id)), h("td", {}, rule.description), h("td", {}, rule.action),
      h("td", { class: "num" }, formatNumber(rule.weight)), h("td", {}, rule.enabled ? rule.mode : "disabled"),
      h("td", { class: "num" }, rule.live_hits), h("td", { class: "num" }, rule.shadow_hits))));
  }

  async refreshHits() {
    try {
      this.describe(await get("/api/v1/admin/rules"));
    } catch (error) {
      announce(`Could not refresh hit counts: ${error.message}`, "error");
    }
  }

  renderGutter() {
    const lines = this.textarea.value.split("\n").length;
    const marks = new Map();
    for (const d of this.findings || []) {
      if (d.line && (!marks.has(d.line) || d.severity === "error")) marks.set(d.line, d);
    }
    fill(this.gutter, Array.from({ length: lines }, (_, i) => {
      const mark = marks.get(i + 1);
      return h("div", { class: mark ? `gutter-line diag-${mark.severity}` : "gutter-line", dataset: { line: i + 1 },
        title: mark ? mark.message : null }, String(i + 1));
    }));
    this.gutter.scrollTop = this.textarea.scrollTop;
  }

  scheduleCheck() {
    clearTimeout(this.checkTimer);
    this.checkTimer = setTimeout(() => this.check(), CHECK_DELAY_MS);
  }

  /** Runs the server's `rules check` on the text; returns whether it is valid. */
  async check() {
    clearTimeout(this.checkTimer);
    const source = this.textarea.value;
    const report = await post("/api/v1/admin/rules/check", { source });
    if (source !== this.textarea.value) return report.valid;
    this.findings = [...report.errors, ...report.warnings, ...report.notes];
    this.renderGutter();
    const summary = report.valid
      ? `Valid: ${report.rule_count} rules, ${report.example_count} examples pass, ${report.warnings.length} warnings, ${report.notes.length} notes.`
      : "Invalid: fix the error below before saving.";
    fill(this.diagnostics,
      h("li", { class: report.valid ? "diag-summary ok" : "diag-summary error" }, summary),
      this.findings.map((d) => h("li", { class: `diag diag-${d.severity}`, dataset: { line: d.line ?? "" } },
        h("button", { type: "button", class: "link", onclick: () => this.goToLine(d.line) },
          d.line ? `line ${d.line}${d.column ? `:${d.column}` : ""}` : "file"),
        " ", h("span", { class: "sev" }, d.severity), " ",
        d.rule_id ? [h("code", {}, d.rule_id), ": "] : "", d.message)));
    this.saveButton.disabled = !report.valid;
    return report.valid;
  }

  goToLine(line) {
    if (!line) return;
    const lines = this.textarea.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
    this.textarea.focus();
    this.textarea.setSelectionRange(start, start + (lines[line - 1] || "").length);
    const lineHeight = parseFloat(getComputedStyle(this.textarea).lineHeight) || 18;
    this.textarea.scrollTop = Math.max(0, (line - 5) * lineHeight);
  }

  async save() {
    if (!(await this.check())) return;
    const source = this.textarea.value;
    try {
      const answer = await call("PUT", "/api/v1/admin/rules", { source }, { "If-Match": `"${this.version}"` });
      announce(`Saved: version ${answer.version.slice(0, 12)} is in force`, "success");
      this.version = answer.version;
      this.base = source;
      this.conflict.hidden = true;
      await this.refreshHits();
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) await this.showConflict();
      else announce(`Not saved: ${error.message}`, "error");
    }
  }

  /** Someone saved meanwhile: show their change against the version this edit started from. */
  async showConflict() {
    const theirs = await get("/api/v1/admin/rules");
    fill(this.conflict,
      h("p", {}, h("strong", {}, "Someone else changed the rules while you were editing. "),
        "Version ", h("code", {}, theirs.version.slice(0, 12)), ` is now in force (loaded ${when(theirs.loaded_at)}). Their change:`),
      h("pre", { class: "diff" }, lineDiff(this.base, theirs.source).map(([op, text]) =>
        h("span", { class: `diff-${op}` }, `${op === "add" ? "+" : op === "del" ? "-" : " "} ${text}\n`))),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "btn", onclick: () => this.load() }, "Load their version (drop my edits)"),
        h("button", { type: "button", class: "btn btn-danger", onclick: () => {
          this.version = theirs.version;
          this.base = theirs.source;
          this.save();
        } }, "Save mine over theirs")));
    this.conflict.hidden = false;
    announce("Not saved: the rules changed meanwhile", "error");
  }
}
