#!/usr/bin/env python3
"""Discriminative text models vs the naive-Bayes learned rule, on learned_quality.py's folds.
Needs cache_<corpus>.json from dump.py. Run: venv/bin/python disc.py [spam_dev]"""
import os, sys
# The corpora (../shared/corpora beside the repository) and a work folder for caches (OUT, default
# the current folder); run from a scratch folder with scikit-learn installed (see README.md).
HERE = os.path.dirname(os.path.abspath(__file__))
CORPORA = os.environ.get("CORPORA", os.path.join(HERE, "../../../../shared/corpora"))
OUT = os.environ.get("OUT", os.getcwd())
import collections, json, sys, warnings
import numpy as np, scipy.sparse as sp
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))
import learned_quality as lq
import learned_variants as lv
from sklearn.feature_extraction.text import TfidfVectorizer, CountVectorizer
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.svm import LinearSVC
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import GridSearchCV, StratifiedKFold
warnings.filterwarnings("ignore")

SPAM = ("spam", "hate", "offensive"); HAMG = {"ham": 0.03, "clean": 0.05}; HOLD = 5.0
name = sys.argv[1] if len(sys.argv) > 1 else "spam_dev"
import os; CORPUS = os.path.join(CORPORA, f"{name}.jsonl") if os.path.exists(os.path.join(CORPORA, f"{name}.jsonl")) else os.path.join(OUT, f"{name}.jsonl")
rows = [json.loads(l) for l in open(f"{CORPUS}") if l.strip()]
C = json.load(open(os.path.join(OUT, f"cache_{name}.json")))
N = len(rows)
y = np.array([r["label"] in SPAM for r in rows], int)
honest = np.array([r["label"] in HAMG for r in rows])
pre = np.array([s != "published" for s in C["alone_status"]])   # blocked by rules alone
score = np.array(C["alone_score"], float)
budget = sum(int(HAMG[l] * sum(r["label"] == l for r in rows) + 1e-9) for l in {r["label"] for r in rows} if l in HAMG)

def ceiling(p):
    """learned_quality.ceiling on cached rules-alone statuses/scores: per rules score a cut on p."""
    sb, hb = int((pre & (y == 1)).sum()), int((pre & honest).sum())
    groups = collections.defaultdict(list)
    for i in np.where(~pre)[0]:
        groups[score[i]].append((p[i], y[i], honest[i]))
    return lq.best_cuts(groups, hb, sb, budget)

def fixed(p, W):
    b = pre | (score + W * (2 * p - 1) >= HOLD)
    return int((b & (y == 1)).sum()), int((b & honest).sum())

def best_W(p):
    res = [(W,) + fixed(p, W) for W in np.arange(0.5, 40.01, 0.5)]
    ok = [r for r in res if r[2] <= budget]
    return max(ok, key=lambda r: (r[1], -r[2])) if ok else None

# ---- features -------------------------------------------------------------------------
def rep_tokens(r): return sorted(lv.tokens(r, [], {}))
def body_text(r): return " ".join(lv.words(r["body"]))
def char_text(r):
    import html, re
    return html.unescape(html.unescape(re.sub(r"<[^>]+>", " ", r["body"]))).lower()

def featurize(kind, tr, te, ytr):
    if kind.endswith("+rules"):   # the rules' hits and score as extra features (stacking)
        Xtr, Xte = featurize(kind[:-6], tr, te, ytr)
        ids = sorted({x for rs in C["alone_rules"] for x in rs}); col = {x: k for k, x in enumerate(ids)}
        def R(idx):
            M = np.zeros((len(idx), len(ids) + 2))
            for a, i in enumerate(idx):
                for x in C["alone_rules"][i]: M[a, col[x]] = 1
                M[a, -2] = min(C["alone_score"][i], 10) / 10; M[a, -1] = C["alone_score"][i] >= HOLD
            return sp.csr_matrix(M)
        return sp.hstack([Xtr, R(tr)]).tocsr(), sp.hstack([Xte, R(te)]).tocsr()
    if kind in ("words", "words+char"):
        v = TfidfVectorizer(analyzer=rep_tokens, sublinear_tf=True)
        Xtr, Xte = v.fit_transform([rows[i] for i in tr]), v.transform([rows[i] for i in te])
        if kind == "words+char":
            c = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
            Ctr, Cte = c.fit_transform([char_text(rows[i]) for i in tr]), c.transform([char_text(rows[i]) for i in te])
            Xtr, Xte = sp.hstack([Xtr, Ctr]).tocsr(), sp.hstack([Xte, Cte]).tocsr()
        return Xtr, Xte
    if kind.startswith("nb"):   # NB-SVM: binary features scaled by log-count ratio r
        v = CountVectorizer(analyzer=rep_tokens, binary=True)
        Xtr, Xte = v.fit_transform([rows[i] for i in tr]), v.transform([rows[i] for i in te])
        if kind == "nb+char":
            c = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), binary=True, min_df=2)
            Xtr = sp.hstack([Xtr, c.fit_transform([char_text(rows[i]) for i in tr])]).tocsr()
            Xte = sp.hstack([Xte, c.transform([char_text(rows[i]) for i in te])]).tocsr()
        ps = 1 + np.asarray(Xtr[ytr == 1].sum(0)).ravel(); qs = 1 + np.asarray(Xtr[ytr == 0].sum(0)).ravel()
        rr = np.log((ps / ps.sum()) / (qs / qs.sum()))
        D = sp.diags(rr)
        return Xtr @ D, Xte @ D

CS = [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100]
def model(m):
    inner = StratifiedKFold(5, shuffle=True, random_state=0)
    if m == "lr":    return LogisticRegression(max_iter=2000)
    if m == "lr-cv": return LogisticRegressionCV(Cs=CS, cv=inner, scoring="neg_log_loss", max_iter=2000)
    if m == "svm":   return CalibratedClassifierCV(LinearSVC(), cv=inner, method="sigmoid")
    if m == "svm-cv": return CalibratedClassifierCV(GridSearchCV(LinearSVC(), {"C": CS}, cv=inner, scoring="roc_auc"), cv=inner, method="sigmoid")

def run(kind, m):
    p = np.zeros(N)
    for f in range(C["folds"]):
        tr = C["train"][str(f)]; te = [i for i in range(N) if C["fold_of"][i] == f]
        Xtr, Xte = featurize(kind, tr, te, y[tr])
        clf = model(m).fit(Xtr, y[tr])
        p[te] = clf.predict_proba(Xte)[:, 1]
    return p

def report(label, p):
    tot, th = int(y.sum()), int(honest.sum())
    c = ceiling(p); bw = best_W(p); s6 = fixed(p, 6)
    print(f"| {label} | {100*c/tot:.1f}% ({c}) | W={bw[0]:g}: {bw[1]} ({100*bw[1]/tot:.1f}%) / {bw[2]} | {s6[0]} / {s6[1]} |", flush=True)

if __name__ == "__main__":
    tot = int(y.sum())
    print(f"{name}: spam-like {tot}, honest {int(honest.sum())}, budget {budget}; rules alone block {int((pre&(y==1)).sum())}/{int((pre&honest).sum())}")
    print("| variant | ceiling (ham <= budget) | best fixed W*(2p-1) (W chosen on whole set): spam / ham | W=6: spam / ham |")
    print("|---|---|---|---|")
    P = {}
    P["real"] = np.array(C["real_p"]); report("real binary NB (p from probe; p<=0.5 -> 0)", P["real"])
    P["rep"] = np.array([v for _, v in sorted(lv.judge(rows, dict(enumerate(C["alone_rules"])), {}, dict(enumerate(C["alone_status"]))).items())])
    report("Python replica NB", P["rep"])
    variants = sys.argv[2].split(",") if len(sys.argv) > 2 else [
        "words:lr", "words:lr-cv", "words:svm", "words:svm-cv",
        "words+char:lr", "words+char:lr-cv", "words+char:svm", "words+char:svm-cv",
        "nb:lr", "nb:svm", "nb+char:lr", "nb+char:svm", "nb:lr-cv", "nb:svm-cv"]
    for v in variants:
        k, m = v.split(":"); P[v] = run(k, m); report(v, P[v])
    np.save(os.path.join(OUT, f"probs_{name}.npy"), P, allow_pickle=True)
    # cheap ensembles: mean of replica NB p and a discriminative p
    for v in variants:
        report(f"mean(replica NB, {v})", (P["rep"] + P[v]) / 2)
