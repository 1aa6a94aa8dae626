#!/usr/bin/env python3
"""A peer of `envparity diff` for bench/compare.sh: Python's DeepDiff on the two
documents, as a Python user would run it. Prints the number of reported changes."""

import json
import sys

from deepdiff import DeepDiff


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: deepdiff_peer.py A.json B.json", file=sys.stderr)
        return 2
    docs = []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            docs.append(json.load(f))
    diff = DeepDiff(docs[0], docs[1])
    changes = sum(len(v) for v in diff.values())
    print(f"changes: {changes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
