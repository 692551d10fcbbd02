#!/usr/bin/env python3
"""Two-sided combination: the model may also LOWER the rules' score (as the learned rule's
ham_weight does), so a comment the rules hold only by score can be published again; comments
held/rejected by a rule whose action is hold/reject stay blocked. Uses probs_<corpus>.npy from
disc.py. Run: venv/bin/python disc2.py [spam_dev]"""
import os, sys
# The corpora (../shared/corpora beside the repository) and a work folder for caches (OUT, default
# the current folder); run from a scratch folder with scikit-learn installed (see README.md).
HERE = os.path.dirname(os.path.abspath(__file__))
CORPORA = os.environ.get("CORPORA", os.path.join(HERE, "../../../../shared/corpora"))
OUT = os.environ.get("OUT", os.getcwd())
import collections, json, sys, tomllib
import numpy as np
name = sys.argv[1] if len(sys.argv) > 1 else "spam_dev"
SPAM = ("spam", "hate", "offensive"); HAMG = {"ham": 0.03, "clean": 0.05}; HOLD = 5.0
rows = [json.loads(l) for l in open(os.path.join(CORPORA, f"{name}.jsonl")) if l.strip()]
C = json.load(open(os.path.join(OUT, f"cache_{name}.json"))); P = np.load(os.path.join(OUT, f"probs_{name}.npy"), allow_pickle=True).item()
act = {r["id"]: r.get("action") for r in tomllib.load(open(os.environ["GATEHOUSE_RULES_FILE"], "rb"))["rule"]}
y = np.array([r["label"] in SPAM for r in rows]); honest = np.array([r["label"] in HAMG for r in rows])
forced = np.array([any(act.get(x) in ("hold", "reject") for x in rs) for rs in C["alone_rules"]])
score = np.array(C["alone_score"], float)
budget = sum(int(HAMG[l] * sum(r["label"] == l for r in rows) + 1e-9) for l in {r["label"] for r in rows} if l in HAMG)

def ceiling2(p, group=True):
    """per rules score (all non-forced lines, blocked-by-score ones included) a cut on p."""
    best = {int((forced & honest).sum()): int((forced & y).sum())}
    groups = collections.defaultdict(list)
    for i in np.where(~forced)[0]:
        groups[score[i] if group else 0].append((p[i], y[i], honest[i]))
    for g in groups.values():
        g.sort(key=lambda x: -x[0]); cuts, h, s = [(0, 0)], 0, 0
        for k, (pp, a, b) in enumerate(g):
            s, h = s + a, h + b
            if k + 1 == len(g) or g[k + 1][0] != pp: cuts.append((h, s))
        nxt = {}
        for u, got in best.items():
            for hh, ss in cuts:
                if u + hh <= budget: nxt[u + hh] = max(nxt.get(u + hh, -1), got + ss)
        best = nxt
    return max(best.values())

def fixed2(p, W):
    b = forced | (score + W * (2 * p - 1) >= HOLD)
    return int((b & y).sum()), int((b & honest).sum())

def textalone(p):
    t = np.sort(p[honest])[::-1][budget]
    return int((p[y] > t).sum()), int((p[honest] > t).sum())

tot = int(y.sum())
print(f"{name}: forced (hold/reject-action rule) blocks spam {int((forced&y).sum())}, honest {int((forced&honest).sum())}; budget {budget}")
print("| variant | two-sided ceiling | best fixed two-sided W*(2p-1) (W on whole set) spam / ham | W=6 two-sided | text alone, one cut |")
print("|---|---|---|---|---|")
keys = list(P) + [f"mean(rep,{k})" for k in P if k not in ("real", "rep")]
for k in keys:
    p = (P["rep"] + P[k[9:-1] if False else k.split(",", 1)[1][:-1]]) / 2 if k.startswith("mean(") else P[k]
    c = ceiling2(p)
    res = [(W,) + fixed2(p, W) for W in np.arange(0.5, 40.01, 0.5)]
    bw = max([r for r in res if r[2] <= budget], key=lambda r: (r[1], -r[2]))
    s6 = fixed2(p, 6); ta = textalone(p)
    print(f"| {k} | {100*c/tot:.1f}% ({c}) | W={bw[0]:g}: {bw[1]} ({100*bw[1]/tot:.1f}%) / {bw[2]} | {s6[0]} / {s6[1]} | {ta[0]} / {ta[1]} |")
