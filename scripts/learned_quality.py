#!/usr/bin/env python3
"""Blocked share per label before and after the learned rule has learned from ~600 decisions.

For each corpus: "before" runs `gatehouse rules eval` on every line (no model). "After" splits
the corpus into folds (fixed shuffle); each fold is judged by `rules eval --learned-from` with a
fresh SQLite model trained (`gatehouse learn --input`) on 600 lines of the other folds, so every
line is judged by a model that never saw it. Labels spam/hate/offensive teach "spam", ham/clean
teach "ham". Usage (from the repository root, after `cargo build --release`):

    python3 scripts/learned_quality.py [../shared/corpora/spam_dev.jsonl ...]
"""
import collections, json, os, random, subprocess, sys, tempfile

BIN = os.environ.get("GATEHOUSE", "target/release/gatehouse")
RULES = os.environ.get("GATEHOUSE_RULES_FILE", "moderation_rules.toml")
DECISIONS = 600


def run(args, stdin=None):
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True)
    if p.returncode != 0 and args[0] != "rules":
        sys.exit(f"{' '.join(args)} failed: {p.stderr}")
    return p.stdout


def evaluate(rows, db=None):
    inp = "\n".join(json.dumps(r) for r in rows)
    args = ["rules", "eval", RULES, "--input", "-"]
    if db:
        args += ["--learned-from", db]
    out = run(args, inp)
    return {json.loads(l)["line"] - 1: json.loads(l)["status"] for l in out.splitlines() if l.strip()}


def blocked(rows, statuses):
    by = collections.defaultdict(lambda: [0, 0])
    for i, r in enumerate(rows):
        by[r["label"]][0] += statuses.get(i) in ("pending", "rejected")
        by[r["label"]][1] += 1
    return by


def after(rows, folds, tmp):
    order = list(range(len(rows)))
    random.Random(9).shuffle(order)
    fold_of = {i: k % folds for k, i in enumerate(order)}
    statuses = {}
    for f in range(folds):
        db = f"sqlite://{tmp}/fold{f}.db"
        run(["migrate", "--database-url", db])
        train = [rows[i] for i in order if fold_of[i] != f][:DECISIONS]
        path = f"{tmp}/train{f}.jsonl"
        with open(path, "w") as fh:
            fh.write("\n".join(json.dumps(r) for r in train))
        run(["learn", "--input", path, "--database-url", db])
        test = [i for i in range(len(rows)) if fold_of[i] == f]
        got = evaluate([rows[i] for i in test], db)
        statuses.update({test[j]: s for j, s in got.items()})
    return statuses


def main():
    corpora = sys.argv[1:] or ["../shared/corpora/spam_dev.jsonl", "../shared/corpora/abuse_dev.jsonl"]
    print("| corpus | label | lines | blocked, rules alone | blocked, after ~600 decisions |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for path in corpora:
            rows = [json.loads(l) for l in open(path) if l.strip()]
            folds = max(2, round(len(rows) / max(1, len(rows) - DECISIONS))) if len(rows) > DECISIONS else 2
            folds = min(folds, 10)
            b = blocked(rows, evaluate(rows))
            a = blocked(rows, after(rows, folds, tmp))
            for label in b:
                pct = lambda x: f"{100 * x[0] / x[1]:.1f}% ({x[0]})"
                print(f"| `{os.path.basename(path)}` | {label} | {b[label][1]} | {pct(b[label])} | {pct(a[label])} |")


if __name__ == "__main__":
    main()
