#!/usr/bin/env python3
"""Honest settings: the cut / weight W are chosen per outer fold on out-of-fold predictions of the
600 training decisions only (inner 5-fold), then applied to the judged fold. Reports, for text
alone / one-sided (rules' blocks stay) / two-sided (model may lower a score-only hold) shapes,
spam and honest lines blocked. Run: venv/bin/python nested.py [variants]"""
import os, sys
# The corpora (../shared/corpora beside the repository) and a work folder for caches (OUT, default
# the current folder); run from a scratch folder with scikit-learn installed (see README.md).
HERE = os.path.dirname(os.path.abspath(__file__))
CORPORA = os.environ.get("CORPORA", os.path.join(HERE, "../../../../shared/corpora"))
OUT = os.environ.get("OUT", os.getcwd())
import sys, json, collections, tomllib
sys.argv = ["disc.py", "spam_dev"] + sys.argv[1:]
import numpy as np
import disc as D
from sklearn.model_selection import StratifiedKFold
import learned_variants as lv

act = {r["id"]: r.get("action") for r in tomllib.load(open(os.environ["GATEHOUSE_RULES_FILE"], "rb"))["rule"]}
forced = np.array([any(act.get(x) in ("hold", "reject") for x in rs) for rs in D.C["alone_rules"]])
y, honest, score, pre, rows = D.y, D.honest, D.score, D.pre, D.rows
toks = [lv.tokens(r, [], {}) for r in rows]

def nb_fit_predict(tr, te):
    counts, docs = collections.defaultdict(lambda: [0, 0]), [0, 0]
    for i in tr:
        docs[y[i]] += 1
        for t in toks[i]: counts[t][y[i]] += 1
    return np.array([lv.probability(docs[0], docs[1], counts, toks[i], {}) for i in te])

def fit_predict(v, tr, te):
    if v == "nb-replica": return nb_fit_predict(tr, te)
    if v.startswith("ens:"): return (nb_fit_predict(tr, te) + fit_predict(v[4:], tr, te)) / 2
    k, m = v.split(":")
    Xtr, Xte = D.featurize(k, tr, te, y[tr])
    return D.model(m).fit(Xtr, y[tr]).predict_proba(Xte)[:, 1]

SHAPES = ("text", "one", "two", "ftext")
WS = np.arange(0.5, 40.01, 0.5)
def blocked(idx, p, shape, W=None, t=None):
    if shape == "text": return p > t
    if shape == "ftext": return forced[idx] | (p > t)
    if shape == "one": return pre[idx] | (score[idx] + W * (2 * p - 1) >= 5)
    if shape == "two": return forced[idx] | (score[idx] + W * (2 * p - 1) >= 5)

def choose(idx, p, shape):
    lim = int(0.03 * honest[idx].sum())
    if shape == "text":
        t = np.sort(p[honest[idx]])[::-1][lim]; return dict(t=t)
    if shape == "ftext":
        t = np.sort(p[honest[idx] & ~forced[idx]])[::-1][max(0, lim - int((forced[idx] & honest[idx]).sum()))]; return dict(t=t)
    def val(W):
        b = blocked(idx, p, shape, W=W)
        return ((b & y[idx]).sum() if (b & honest[idx]).sum() <= lim else -1, -W)
    best = max(WS, key=val)
    return dict(W=best)

variants = sys.argv[2:] or ["nb-replica", "words+char:svm", "nb:lr", "nb+char:svm"]
for v in variants:
    tot = collections.Counter(); Ws = collections.defaultdict(list)
    for f in range(D.C["folds"]):
        tr = np.array(D.C["train"][str(f)]); te = np.array([i for i in range(D.N) if D.C["fold_of"][i] == f])
        oof = np.zeros(len(tr))
        for a, b in StratifiedKFold(5, shuffle=True, random_state=1).split(tr, y[tr]):
            oof[b] = fit_predict(v, tr[a], tr[b])
        pt = fit_predict(v, tr, te)
        for shape in SHAPES:
            s = choose(tr, oof, shape); Ws[shape].append(round(float(list(s.values())[0]), 3))
            b = blocked(te, pt, shape, **s)
            tot[(shape, "spam")] += int((b & y[te]).sum()); tot[(shape, "ham")] += int((b & honest[te]).sum())
    print(f"| {v} | " + " | ".join(f"{tot[(s,'spam')]} ({100*tot[(s,'spam')]/313:.1f}%) / {tot[(s,'ham')]}" for s in SHAPES)
          + f" | {Ws['text']} ; {Ws['one']} ; {Ws['two']} ; {Ws['ftext']} |", flush=True)
