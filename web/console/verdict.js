// How a verdict reads: the comment with matched spans highlighted, each rule with its id,
// description and weight, and the score against the thresholds.
import { h } from "./dom.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The text split at the hits' byte spans (the server counts UTF-8 bytes): text nodes and
 * <mark> elements naming the rules that matched there.
 */
export function highlighted(text, matches, field = "body") {
  const bytes = encoder.encode(text);
  const spans = [];
  for (const match of matches || []) {
    for (const hit of match.hits || []) {
      if (hit.field !== field || hit.view === undefined) continue;
      const start = Math.max(0, Math.min(hit.start, bytes.length));
      const end = Math.max(start, Math.min(hit.end, bytes.length));
      if (end > start) spans.push({ start, end, rule: match.rule_id, shadow: match.shadow });
    }
  }
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const nodes = [];
  let at = 0;
  for (const span of spans) {
    if (span.start < at) {
      // Overlaps the previous mark: name the rule there too.
      const last = nodes[nodes.length - 1];
      if (last instanceof HTMLElement && !last.title.includes(span.rule)) last.title += `, ${span.rule}`;
      continue;
    }
    if (span.start > at) nodes.push(decoder.decode(bytes.slice(at, span.start)));
    nodes.push(h("mark", { class: span.shadow ? "hit hit-shadow" : "hit", title: span.rule, dataset: { rule: span.rule } },
      decoder.decode(bytes.slice(span.start, span.end))));
    at = span.end;
  }
  if (at < bytes.length) nodes.push(decoder.decode(bytes.slice(at)));
  return nodes;
}

/** A bar: the score against hold and reject thresholds. */
export function scoreMeter(score, hold, reject) {
  const top = Math.max(reject * 1.25, score, 1);
  const pct = (value) => `${Math.min(100, (value / top) * 100).toFixed(1)}%`;
  const level = score >= reject ? "reject" : score >= hold ? "hold" : "ok";
  const meter = h("div", { class: `meter meter-${level}`, role: "img",
    "aria-label": `score ${score} (hold at ${hold}, reject at ${reject})` },
  h("div", { class: "meter-fill" }),
  h("div", { class: "meter-mark meter-hold", title: `hold at ${hold}` }),
  h("div", { class: "meter-mark meter-reject", title: `reject at ${reject}` }));
  meter.querySelector(".meter-fill").style.width = pct(score);
  meter.querySelector(".meter-hold").style.left = pct(hold);
  meter.querySelector(".meter-reject").style.left = pct(reject);
  return h("div", { class: "score" },
    h("span", { class: `score-value score-${level}` }, `score ${formatNumber(score)}`),
    meter,
    h("span", { class: "score-thresholds" }, `hold ${formatNumber(hold)} · reject ${formatNumber(reject)}`));
}

export function formatNumber(value) {
  return Number.isInteger(value) ? String(value) : Number(value).toFixed(1);
}

/** A table of the matched rules: id, description, action and weight, and what matched. */
export function matchTable(matches, describe = () => null) {
  if (!matches || matches.length === 0) return h("p", { class: "muted" }, "No rule matched.");
  return h("table", { class: "rules-table" },
    h("thead", {}, h("tr", {}, h("th", {}, "rule"), h("th", {}, "description"), h("th", { class: "num" }, "weight"), h("th", {}, "matched"))),
    h("tbody", {}, matches.map((match) => h("tr", { class: match.shadow ? "shadow" : "" },
      h("td", {}, h("code", {}, match.rule_id), match.shadow ? h("span", { class: "tag" }, "shadow") : null),
      h("td", {}, match.description || describe(match.rule_id) || ""),
      h("td", { class: "num" }, match.action && match.action !== "score" ? `${match.action}` : formatNumber(match.weight)),
      h("td", { class: "matched" }, (match.hits || []).slice(0, 4).map((hit) =>
        h("q", { title: `${hit.field} ${hit.view} ${hit.start}..${hit.end}` }, hit.matched)))))));
}
