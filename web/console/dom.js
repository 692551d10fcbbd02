// Building DOM without HTML strings: every text goes in as a text node.

/** h("button", {class: "x", onclick: fn}, "Label", child, …): an element. */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "value") node.value = value;
    else if (name === "checked") node.checked = Boolean(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A short local date and time for an RFC 3339 string. */
export function when(text) {
  if (!text) return "";
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return text;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** "3 min ago" style age. */
export function age(text) {
  const seconds = (Date.now() - new Date(text).getTime()) / 1000;
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/** A value from a datetime-local input as RFC 3339 (UTC), or undefined. */
export function localToRfc3339(value) {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** A labelled input; returns [wrapper, input]. */
export function labelled(label, input) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return [h("label", { class: "field", for: id }, h("span", { class: "field-label" }, label), input), input];
}

/** Polite announcement for screen readers, and a visible toast. */
export function announce(message, tone = "info") {
  const region = document.getElementById("announcer");
  if (!region) return;
  const toast = h("div", { class: `toast toast-${tone}`, role: tone === "error" ? "alert" : "status" }, message);
  region.append(toast);
  setTimeout(() => toast.remove(), tone === "error" ? 9000 : 4500);
}
