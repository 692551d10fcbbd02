#!/usr/bin/env python3
"""Blocked share per label before and after the learned rule has learned from ~600 decisions.

For each corpus: "before" runs `gatehouse rules eval` on every line (no model). "After" splits
the corpus into folds (fixed shuffle); each fold is judged by `rules eval --learned-from` with a
fresh SQLite model trained (`gatehouse learn --input`) on 600 lines of the other folds, so every
line is judged by a model that never saw it. Labels spam/hate/offensive teach "spam", ham/clean
teach "ham". Usage (from the repository root, after `cargo build --release`):

    python3 scripts/learned_quality.py [--ceiling] [../shared/corpora/spam_dev.jsonl ...]

`--ceiling` also reads the learned rule's probability for every line (through a copy of the
rules file whose learned rule counts from p = 0.5 with a weight of 1000, so its share of the
score gives p back) and prints the most spam any learned contribution could block that depends
only on the rules' score and p (a threshold on p chosen per rules score, on the very lines it
is judged on: an optimistic bound), with the honest labels held within their goal.
"""
import collections, json, os, random, subprocess, sys, tempfile

BIN = os.environ.get("GATEHOUSE", "target/release/gatehouse")
RULES = os.environ.get("GATEHOUSE_RULES_FILE", "moderation_rules.toml")
DECISIONS = 600
SPAM_LABELS = ("spam", "hate", "offensive")
# Most honest comments of each label blocked, as issue 9's goals after ~600 decisions.
HAM_GOALS = {"ham": 0.03, "clean": 0.05}
PROBE_WEIGHT = 1000.0


def run(args, stdin=None):
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True)
    if p.returncode != 0 and args[0] != "rules":
        sys.exit(f"{' '.join(args)} failed: {p.stderr}")
    return p.stdout


def evaluate(rows, db=None, rules=RULES, field="status"):
    inp = "\n".join(json.dumps(r) for r in rows)
    args = ["rules", "eval", rules, "--input", "-"]
    if db:
        args += ["--learned-from", db]
    out = run(args, inp)
    return {json.loads(l)["line"] - 1: json.loads(l)[field] for l in out.splitlines() if l.strip()}


def write_probe():
    """A copy of the rules file (beside it, for its list files) whose learned rule counts from
    p = 0.5 with weight PROBE_WEIGHT: its contribution PROBE_WEIGHT * (2p - 1) gives p back."""
    out, in_learned = [], False
    for line in open(RULES).read().split("\n"):
        if line.startswith("[["):
            in_learned = False
        if line.strip() == 'kind = "learned"':
            in_learned = True
        if in_learned and line.startswith("weight ="):
            line = f"weight = {PROBE_WEIGHT}"
        if in_learned and line.startswith("min_probability ="):
            line = "min_probability = 0.5"
        out.append(line)
    path = os.path.join(os.path.dirname(os.path.abspath(RULES)), ".learned_probe.toml")
    with open(path, "w") as fh:
        fh.write("\n".join(out))
    return path


def ceiling(rows, scores, probabilities):
    """Most lines of SPAM_LABELS blocked by rules plus any contribution g(rules score, p), the
    honest labels within HAM_GOALS: per rules score, a cut on p; a knapsack over the scores."""
    statuses = evaluate(rows)
    budget = sum(int(HAM_GOALS[r["label"]] * sum(x["label"] == r["label"] for x in rows) + 1e-9)
                 for r in {r["label"]: r for r in rows if r["label"] in HAM_GOALS}.values())
    spam_blocked = ham_blocked = 0
    groups = collections.defaultdict(list)
    for i, r in enumerate(rows):
        spam = r["label"] in SPAM_LABELS
        if statuses.get(i) in ("pending", "rejected"):
            spam_blocked += spam
            ham_blocked += r["label"] in HAM_GOALS
        else:
            groups[scores.get(i)].append((probabilities.get(i, 0.0), spam, r["label"] in HAM_GOALS))
    total = sum(r["label"] in SPAM_LABELS for r in rows)
    got = best_cuts(groups, ham_blocked, spam_blocked, budget)
    return f"{100 * got / total:.1f}% ({got} of {total}), honest lines blocked at most {budget}"


def best_cuts(groups, ham_blocked, spam_blocked, budget):
    """The most spam blocked when each group (lines of one rules score, as (p, is_spam, is_ham))
    gets its own cut on p, with at most `budget` honest lines blocked in all."""
    best = {ham_blocked: spam_blocked}
    for g in groups.values():
        g.sort(key=lambda x: -x[0])
        cuts, ham, spam = [(0, 0)], 0, 0
        for k, (p, is_spam, is_ham) in enumerate(g):
            spam, ham = spam + is_spam, ham + is_ham
            if k + 1 == len(g) or g[k + 1][0] != p:
                cuts.append((ham, spam))
        nxt = {}
        for used, got in best.items():
            for h, s in cuts:
                if used + h <= budget:
                    nxt[used + h] = max(nxt.get(used + h, -1), got + s)
        best = nxt
    return max(best.values())


def blocked(rows, statuses):
    by = collections.defaultdict(lambda: [0, 0])
    for i, r in enumerate(rows):
        by[r["label"]][0] += statuses.get(i) in ("pending", "rejected")
        by[r["label"]][1] += 1
    return by


def fold_count(rows):
    """Folds such that each is judged by a model of DECISIONS lines of the others."""
    if len(rows) <= DECISIONS:
        return 2
    return min(10, max(2, round(len(rows) / max(1, len(rows) - DECISIONS))))


def split(rows, folds):
    """A fixed shuffle of the line numbers and each line's fold."""
    order = list(range(len(rows)))
    random.Random(9).shuffle(order)
    return order, {i: k % folds for k, i in enumerate(order)}


def after(rows, folds, tmp, probe=None):
    order, fold_of = split(rows, folds)
    statuses, scores, probabilities = {}, {}, {}
    alone = evaluate(rows, field="score") if probe else {}
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
        if probe:
            with_model = evaluate([rows[i] for i in test], db, probe, "score")
            for j, score in with_model.items():
                share = score - alone[test[j]]
                scores[test[j]] = alone[test[j]]
                probabilities[test[j]] = 0.5 + share / (2 * PROBE_WEIGHT) if share > 0 else 0.0
    return statuses, scores, probabilities


def main():
    args = sys.argv[1:]
    probe = write_probe() if "--ceiling" in args else None
    corpora = [a for a in args if a != "--ceiling"] or ["../shared/corpora/spam_dev.jsonl", "../shared/corpora/abuse_dev.jsonl"]
    try:
        report(corpora, probe)
    finally:
        if probe:
            os.remove(probe)


def report(corpora, probe):
    print("| corpus | label | lines | blocked, rules alone | blocked, after ~600 decisions |")
    print("|---|---|---|---|---|")
    ceilings = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in corpora:
            rows = [json.loads(l) for l in open(path) if l.strip()]
            folds = fold_count(rows)
            b = blocked(rows, evaluate(rows))
            statuses, scores, probabilities = after(rows, folds, tmp, probe)
            a = blocked(rows, statuses)
            for label in b:
                pct = lambda x: f"{100 * x[0] / x[1]:.1f}% ({x[0]})"
                print(f"| `{os.path.basename(path)}` | {label} | {b[label][1]} | {pct(b[label])} | {pct(a[label])} |")
            if probe:
                ceilings.append(f"{os.path.basename(path)}: ceiling of any learned contribution: "
                                + ceiling(rows, scores, probabilities))
    for line in ceilings:
        print(line)


if __name__ == "__main__":
    main()
