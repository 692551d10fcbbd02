#!/usr/bin/env python3
"""Writes the `rules eval` benchmark input to stdout: COUNT comments (default 50,000), the
labelled fixtures in turn, each body padded with ordinary clean text to about BYTES bytes
(default 1,100). Deterministic, so every run measures the same input:

    python3 bench/eval_samples.py > /tmp/eval_samples.jsonl
    python3 bench/eval_samples.py 50000 1100 > /tmp/eval_samples.jsonl
"""

import json
import pathlib
import sys

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/labelled_comments.jsonl"
PADDING = (
    " The council published the figures on Tuesday, and the report runs to forty pages."
    " Most of the money goes to schools, roads and the care of older residents, while the"
    " rest is held back for repairs that were postponed last winter."
)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 1_100
    comments = [json.loads(line) for line in FIXTURES.read_text().splitlines() if line.strip()]
    out = sys.stdout
    for i in range(count):
        comment = dict(comments[i % len(comments)])
        comment["id"] = f"{comment['id']}-{i}"
        body = comment["body"]
        while len(body.encode()) < size:
            body += PADDING
        # Cut to `size` bytes (never inside a character) unless the fixture alone is longer.
        if len(comment["body"].encode()) < size:
            body = body.encode()[:size].decode(errors="ignore")
        comment["body"] = body
        out.write(json.dumps(comment) + "\n")


if __name__ == "__main__":
    main()
