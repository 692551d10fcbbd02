#!/usr/bin/env python3
"""Runs the real binary once per corpus and caches, per line: rules-alone status/score/rules,
the shipped after-learning status (real learned rule, 600 decisions per fold) and the real
learned probability p (probe, as learned_quality.py --ceiling). Writes cache_<corpus>.json.
Run: GATEHOUSE=target/release/gatehouse \
     GATEHOUSE_RULES_FILE=rulescopy/moderation_rules.toml venv/bin/python dump.py"""
import os, sys
# The corpora (../shared/corpora beside the repository) and a work folder for caches (OUT, default
# the current folder); run from a scratch folder with scikit-learn installed (see README.md).
HERE = os.path.dirname(os.path.abspath(__file__))
CORPORA = os.environ.get("CORPORA", os.path.join(HERE, "../../../../shared/corpora"))
OUT = os.environ.get("OUT", os.getcwd())
import json, os, sys, tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))
import learned_quality as lq

for name in sys.argv[1:] or ["spam_dev", "abuse_dev"]:
    rows = [json.loads(l) for l in open(os.path.join(CORPORA, f"{name}.jsonl")) if l.strip()]
    folds = lq.fold_count(rows)
    order, fold_of = lq.split(rows, folds)
    alone = lq.evaluate(rows); ascore = lq.evaluate(rows, field="score"); arules = lq.evaluate(rows, field="rules")
    probe = lq.write_probe()
    with tempfile.TemporaryDirectory() as tmp:
        st, sc, pr = lq.after(rows, folds, tmp, probe)
    os.remove(probe)
    train = {f: [i for i in order if fold_of[i] != f][:lq.DECISIONS] for f in range(folds)}
    out = dict(folds=folds, fold_of=[fold_of[i] for i in range(len(rows))], train=train,
               alone_status=[alone[i] for i in range(len(rows))], alone_score=[ascore[i] for i in range(len(rows))],
               alone_rules=[arules.get(i, []) for i in range(len(rows))],
               real_status=[st[i] for i in range(len(rows))], real_p=[pr.get(i, 0.0) for i in range(len(rows))])
    json.dump(out, open(os.path.join(OUT, f"cache_{name}.json"), "w"))
    print(name, "real ceiling:", lq.ceiling(rows, sc, pr))
