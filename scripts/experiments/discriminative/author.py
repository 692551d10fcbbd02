#!/usr/bin/env python3
"""Q2: author history. For each line, is its author_name the author of a spam-labelled line among
the 600 training decisions of its fold? Run: python3 author.py (needs cache_*.json)."""
import os, sys
# The corpora (../shared/corpora beside the repository) and a work folder for caches (OUT, default
# the current folder); run from a scratch folder with scikit-learn installed (see README.md).
HERE = os.path.dirname(os.path.abspath(__file__))
CORPORA = os.environ.get("CORPORA", os.path.join(HERE, "../../../../shared/corpora"))
OUT = os.environ.get("OUT", os.getcwd())
import json, collections
SPAM = ("spam", "hate", "offensive")
for name in ["spam_dev", "abuse_dev"]:
    rows = [json.loads(l) for l in open(os.path.join(CORPORA, f"{name}.jsonl")) if l.strip()]
    C = json.load(open(os.path.join(OUT, f"cache_{name}.json")))
    spam_auth = {int(f): {rows[i]["author_name"] for i in tr if rows[i]["label"] in SPAM} for f, tr in C["train"].items()}
    ham_auth = {int(f): {rows[i]["author_name"] for i in tr if rows[i]["label"] not in SPAM} for f, tr in C["train"].items()}
    c = collections.Counter()
    ex = []
    for i, r in enumerate(rows):
        f = C["fold_of"][i]; spam = r["label"] in SPAM
        hit = r["author_name"] in spam_auth[f]; hhit = r["author_name"] in ham_auth[f]
        blocked = C["real_status"][i] != "published"
        c[("spam" if spam else "honest", "missed" if not blocked else "blocked", "author had spam in training" if hit else "-")] += 1
        c[("spam" if spam else "honest", "all", "author had spam in training" if hit else "-")] += 1
        c[("spam" if spam else "honest", "all", "author had ham in training" if hhit else "-")] += 1
        if hit and (not spam or not blocked):
            ex.append((r["label"], blocked, r["author_name"], r["body"][:70]))
    print(name)
    for k in sorted(c): print("  ", k, c[k])
    for e in ex[:40]: print("    ", e)
