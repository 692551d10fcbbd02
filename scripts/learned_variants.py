#!/usr/bin/env python3
"""Tries variants of the learned rule's tokens and arithmetic in seconds, without a rebuild.

An approximation of `src/rules/learned.rs` in Python (words and pairs of a lower-cased,
entity-decoded, tag-stripped text; link hosts; author-name words; Robinson's probabilities with
Fisher's chi-square over the 150 most telling tokens), judged exactly as
`scripts/learned_quality.py` judges the real rule: the same folds, 600 decisions, the rules'
own scores from `gatehouse rules eval`. With no variant changed it blocks the same spam_dev
lines as the real rule at the shipped settings (288 spam, 11 ham). A variant that gains here
is worth building in Rust and measuring with `learned_quality.py`; one that does not, is not.

Each argument is a Python dict of options (none = the shipped model):
  pairs=False       no word pairs              stem=N      a `stem:` token, first N letters
  shape=True        has:url, has:@, caps and length buckets
  rules=True        a `rule:<id>` token for every rule that fired (SpamAssassin's way)
  fold=True         digits folded to letters   cng=N       character N-grams of words
  tri=True          word triples               s=X         Robinson's prior strength
  minst=X           ignore tokens within X of 0.5          maxd=N      most tokens combined
  comb="nb"         summed log-odds instead of chi-square; comb="lap" Laplace-smoothed NB
  residual=True     learn only from the decided comments the rules published

    python3 scripts/learned_variants.py ../shared/corpora/spam_dev.jsonl "{}" "{'pairs': False}"

For each: spam and honest lines blocked at the shipped settings, and the ceiling of any learned
contribution (see `learned_quality.py --ceiling`).
"""
import ast, collections, html, json, math, os, re, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from learned_quality import DECISIONS, SPAM_LABELS, ceiling, evaluate, fold_count, split  # noqa: E402

# The shipped learned rule and hold threshold (moderation_rules.toml).
WEIGHT, MIN_PROBABILITY, HOLD = 6.0, 0.95, 5.0
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.U)
LINK = re.compile(
    r"(?:https?://|www\.)([^/\s\"'<>]+)|\b([a-z0-9-]+\.(?:com|net|org|pl|ly|be|co|tv|info|us|uk))\b",
    re.I,
)


def words(text):
    text = html.unescape(html.unescape(re.sub(r"<[^>]+>", " ", text))).lower()
    return [w for w in WORD.findall(text) if len(w) <= 40][:200]


def tokens(row, rules, o):
    out, body = set(), row["body"]
    ws = words(body)
    for i, w in enumerate(ws):
        out.add(w)
        if o.get("pairs", True) and i:
            out.add(ws[i - 1] + " " + w)
        if o.get("tri") and i > 1:
            out.add(" ".join(ws[i - 2:i + 1]))
        if o.get("stem") and len(w) > o["stem"]:
            out.add("stem:" + w[:o["stem"]])
        if o.get("fold") and re.search(r"\d", w) and re.search(r"[a-z]", w):
            out.add("fold:" + w.translate(str.maketrans("0134579", "oieastg")))
        if o.get("cng"):
            ww = "^" + w + "$"
            out.update("c:" + ww[j:j + o["cng"]] for j in range(len(ww) - o["cng"] + 1))
    for m in LINK.finditer(body):
        host = (m.group(1) or m.group(2) or "").lower()
        out.add("link:" + host.removeprefix("www."))
    if o.get("shape"):
        if LINK.search(body):
            out.add("has:url")
        if re.search(r"@\w", body):
            out.add("has:@")
        letters = [c for c in body if c.isalpha()]
        if len(letters) >= 5:
            out.add(f"caps:{min(4, int(5 * sum(c.isupper() for c in letters) / len(letters)))}")
        out.add(f"len:{min(5, int(math.log2(len(ws) + 1)))}")
    if o.get("rules"):
        out.update("rule:" + r for r in rules)
    names = words(row.get("author_name") or "")
    for i, w in enumerate(names):
        out.add("name:" + w)
        if o.get("pairs", True) and i:
            out.add("name:" + names[i - 1] + " " + w)
    return out


def chi2q(x2, v):
    m = x2 / 2.0
    if m <= 0:
        return 1.0
    term = total = math.exp(-m)
    for i in range(1, v // 2):
        term *= m / i
        total += term
    return min(total, 1.0)


def probability(ham_docs, spam_docs, counts, toks, o):
    if o.get("comb") == "lap":
        a, lo = o.get("a", 1.0), 0.0
        for h, s in filter(None, map(counts.get, toks)):
            lo += math.log((s + a) / (spam_docs + 2 * a)) - math.log((h + a) / (ham_docs + 2 * a))
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, lo))))
    strength = o.get("s", 0.45)
    ps = []
    for h, s in filter(None, map(counts.get, toks)):
        sr, hr = min(1, s / spam_docs), min(1, h / ham_docs)
        p = sr / (sr + hr) if sr + hr else 0.5
        p = (strength * 0.5 + (h + s) * p) / (strength + h + s)
        if abs(p - 0.5) >= o.get("minst", 0.1):
            ps.append(min(max(p, 1e-6), 1 - 1e-6))
    ps = sorted(ps, key=lambda p: -abs(p - 0.5))[:o.get("maxd", 150)]
    if not ps:
        return 0.5
    if o.get("comb") == "nb":
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, sum(math.log(p / (1 - p)) for p in ps)))))
    s = 1 - chi2q(-2 * sum(math.log(1 - p) for p in ps), 2 * len(ps))
    h = 1 - chi2q(-2 * sum(math.log(p) for p in ps), 2 * len(ps))
    return (s - h + 1) / 2


def judge(rows, rules, o, statuses):
    """Each line's learned probability from a model of DECISIONS lines of the other folds."""
    folds = fold_count(rows)
    order, fold_of = split(rows, folds)
    toks = [tokens(r, rules.get(i, []), o) for i, r in enumerate(rows)]
    out = {}
    for f in range(folds):
        counts, docs = collections.defaultdict(lambda: [0, 0]), [0, 0]
        for i in [i for i in order if fold_of[i] != f][:DECISIONS]:
            if o.get("residual") and statuses.get(i) != "published":
                continue
            spam = int(rows[i]["label"] in SPAM_LABELS)
            docs[spam] += 1
            for t in toks[i]:
                counts[t][spam] += 1
        for i in (i for i in range(len(rows)) if fold_of[i] == f):
            out[i] = probability(docs[0], docs[1], counts, toks[i], o)
    return out


def main():
    path, variants = sys.argv[1], sys.argv[2:] or ["{}"]
    rows = [json.loads(l) for l in open(path) if l.strip()]
    statuses, scores, rules = evaluate(rows), evaluate(rows, field="score"), evaluate(rows, field="rules")
    for v in variants:
        p = judge(rows, rules, ast.literal_eval(v), statuses)
        by = collections.Counter()
        for i, r in enumerate(rows):
            share = WEIGHT * (p[i] - MIN_PROBABILITY) / (1 - MIN_PROBABILITY) if p[i] > MIN_PROBABILITY else 0
            by[r["label"]] += statuses.get(i) != "published" or scores[i] + share >= HOLD
        print(v, "| shipped settings:", dict(by), "| ceiling:", ceiling(rows, scores, p))


if __name__ == "__main__":
    main()
