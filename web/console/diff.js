// A line diff (longest common subsequence) showing only changed lines with a little context.

const CONTEXT = 2;
const MAX_LINES = 4000;

/** [op, text] pairs, op one of "add", "del", "same" (context) or "gap". */
export function lineDiff(before, after) {
  const a = before.split("\n").slice(0, MAX_LINES);
  const b = after.split("\n").slice(0, MAX_LINES);
  // Trim the common head and tail so the table stays small for typical edits.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head += 1;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail += 1;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  const table = Array.from({ length: x.length + 1 }, () => new Uint32Array(y.length + 1));
  for (let i = x.length - 1; i >= 0; i -= 1) {
    for (let j = y.length - 1; j >= 0; j -= 1) {
      table[i][j] = x[i] === y[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  const ops = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) { ops.push(["same", x[i]]); i += 1; j += 1; }
    else if (j < y.length && (i === x.length || table[i][j + 1] >= table[i + 1][j])) { ops.push(["add", y[j]]); j += 1; }
    else { ops.push(["del", x[i]]); i += 1; }
  }
  const context = (lines) => lines.map((line) => ["same", line]);
  const before_ = context(a.slice(Math.max(0, head - CONTEXT), head));
  const after_ = context(a.slice(a.length - tail, a.length - tail + CONTEXT));
  const all = [...before_, ...ops, ...after_];
  if (!all.some(([op]) => op !== "same")) return [["gap", "(no difference in the text)"]];
  return all;
}
