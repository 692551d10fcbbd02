#!/usr/bin/env python3
"""Runs every comment of the corpora and fixtures through two `gatehouse` binaries'
`rules test --json` (the whole verdict: every match, hit, span and learned token, and the
normalized text), without a learned model and with one trained on the corpora, and reports any
input on which the two differ. For changes to the rules engine that must not change a verdict.

  scripts/compare_verdicts.py BEFORE_BINARY AFTER_BINARY [--rules moderation_rules.toml]

Exit 1 when an output differs. Takes ~15 minutes on 2 cores (one process per comment).
With --float-digits N, numbers are compared rounded to N decimal places (for a change that
reorders arithmetic: the verdict's full-precision score may then move in its last bits);
such inputs are counted apart, as "same to N places". With --float-tolerance T, numbers
within T of each other count as the same (rounding can put two close numbers on either side
of a digit); the largest difference seen is reported.
"""
import argparse
import itertools
import json
import pathlib
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

REPO = pathlib.Path(__file__).resolve().parent.parent
CORPORA = [REPO.parent / "shared/corpora/spam_dev.jsonl", REPO.parent / "shared/corpora/abuse_dev.jsonl"]
FIXTURES = [REPO / "tests/fixtures/labelled_comments.jsonl", REPO / "tests/fixtures/learned_sample.jsonl"]
# Disguises the corpora have few of: markup, homoglyphs, separated letters, leetspeak, links.
EXTRA = [
    {"body": "Café naïve “quoted” — ＦＲＥＥ 𝐟𝐫𝐞𝐞 vіаgrа \u200bx\u00ad 你好 123abc ß İ ﬁ ① Ⅻ l33t你5 h4x0r "
             "émoji 😀5a see https://a.b.spam.xyz/x and www.t.me/x wa.me/1 I&#39;m <b>f</b>.r.e.e"},
    {"body": "v.i.a.g.r.a é.é.é fr3e c@$h — f-r-e-e ＦＲ３３", "author_name": "www.x.com"},
    {"body": "https://example.com/watch?v=1 check out my channel please"},
]


def inputs():
    for path in [p for p in CORPORA + FIXTURES if p.exists()]:
        for line in path.open(encoding="utf-8"):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            yield {k: row[k] for k in ("body", "author_name", "author_email") if k in row}
    yield from EXTRA


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--rules", default=str(REPO / "moderation_rules.toml"))
    loose = ap.add_mutually_exclusive_group()
    loose.add_argument("--float-digits", type=int, default=None)
    loose.add_argument("--float-tolerance", type=float, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = f"sqlite://{tmp}/model.db"
        subprocess.run([args.before, "migrate", "--database-url", model], check=True, capture_output=True)
        for corpus in [p for p in CORPORA if p.exists()]:
            subprocess.run([args.before, "learn", "--database-url", model, "--input", str(corpus)],
                           check=True, capture_output=True)

        def run(binary, comment, with_model):
            command = [binary, "rules", "test", "--json", args.rules]
            if with_model:
                command += ["--learned-from", model]
            done = subprocess.run(command, input=json.dumps(comment), capture_output=True, text=True, cwd=REPO)
            return done.stdout, done.stderr

        counter = itertools.count()
        rounded_only = itertools.count()

        def rounded(output):
            def walk(v):
                if isinstance(v, float):
                    return round(v, args.float_digits)
                if isinstance(v, dict):
                    return {k: walk(x) for k, x in v.items()}
                if isinstance(v, list):
                    return [walk(x) for x in v]
                return v
            stdout, stderr = output
            try:
                return walk(json.loads(stdout)), stderr
            except json.JSONDecodeError:
                return output

        largest = [0.0]

        def close(a, b):
            """Whether two outputs are the same but for numbers within the tolerance."""
            def walk(x, y):
                if isinstance(x, float) or isinstance(y, float):
                    if not isinstance(x, (int, float)) or not isinstance(y, (int, float)):
                        return False
                    largest[0] = max(largest[0], abs(x - y))
                    return abs(x - y) <= args.float_tolerance
                if isinstance(x, dict) and isinstance(y, dict):
                    return x.keys() == y.keys() and all(walk(x[k], y[k]) for k in x)
                if isinstance(x, list) and isinstance(y, list):
                    return len(x) == len(y) and all(walk(p, q) for p, q in zip(x, y))
                return x == y
            try:
                return a[1] == b[1] and walk(json.loads(a[0]), json.loads(b[0]))
            except json.JSONDecodeError:
                return False

        def same(comment):
            n = next(counter)
            if n % 500 == 0:
                print(f"{n} compared", file=sys.stderr, flush=True)
            ok = True
            for with_model in (False, True):
                a, b = run(args.before, comment, with_model), run(args.after, comment, with_model)
                if a != b and args.float_digits is not None and rounded(a) == rounded(b):
                    next(rounded_only)
                elif a != b and args.float_tolerance is not None and close(a, b):
                    next(rounded_only)
                elif a != b:
                    ok = False
                    print(f"DIFFERS (model: {with_model}): {json.dumps(comment)[:200]}\n  before: {''.join(a)[:400]}\n  after:  {''.join(b)[:400]}")
            return ok

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(same, list(inputs())))
    differ = results.count(False)
    print(f"{len(results)} inputs, each without and with a learned model: {differ} differ")
    if args.float_digits is not None:
        print(f"outputs the same only to {args.float_digits} decimal places: {next(rounded_only)}")
    elif args.float_tolerance is not None:
        print(f"outputs the same only within {args.float_tolerance}: {next(rounded_only)} "
              f"(largest difference {largest[0]:.3g})")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
