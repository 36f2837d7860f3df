"""Check values of two runs of the reproductions, side by side.

    python benchmarks/compare_checks.py BEFORE_DIR AFTER_DIR [--all]

Each directory holds one folder per paper with its summary.json (what ``python -m
reproductions PAPER --out DIR`` writes; the stored quick run is docs/reproductions/results).
For every check of every paper in both, it prints the expected and measured values before
and after, the tolerance after, and the verdicts; by default only the checks whose measured
value changed. A change of the random streams moves simulated values within their
statistical tolerance; a check that flips verdict, appears or disappears is listed too.
"""

import argparse
import json
import os
import sys


def checks(directory):
    """{paper: {check name: check}} of the summary.json files in ``directory``."""
    found = {}
    for paper in sorted(os.listdir(directory)):
        path = os.path.join(directory, paper, "summary.json")
        if os.path.exists(path):
            with open(path) as f:
                found[paper] = {c["name"]: c for c in json.load(f)["checks"]}
    return found


def number(value):
    return f"{value:.6g}" if isinstance(value, (int, float)) else str(value)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--all", action="store_true", help="also the unchanged checks")
    args = parser.parse_args(argv)
    before, after = checks(args.before), checks(args.after)
    if not before or not after:
        missing = args.before if not before else args.after
        print(f"compare_checks.py: no summary.json under {missing}", file=sys.stderr)
        sys.exit(2)
    totals = dict(same=0, moved=0, flipped=0, new=0, gone=0)
    for paper in sorted(set(before) | set(after)):
        old, new = before.get(paper, {}), after.get(paper, {})
        for name in sorted(set(old) | set(new)):
            o, n = old.get(name), new.get(name)
            if o is None or n is None:
                totals["new" if o is None else "gone"] += 1
                print(f"{paper:12s} {name}: {'new' if o is None else 'gone'}")
                continue
            same = o["measured"] == n["measured"] and o["expected"] == n["expected"]
            flipped = o["passed"] != n["passed"]
            totals["same" if same else "flipped" if flipped else "moved"] += 1
            if same and not args.all and not flipped:
                continue
            print(f"{paper:12s} {name}: measured {number(o['measured'])} -> "
                  f"{number(n['measured'])}, expected {number(o['expected'])} -> "
                  f"{number(n['expected'])}; {n['tolerance']}; passed {o['passed']} -> "
                  f"{n['passed']}{' (known gap)' if n.get('known_gap') else ''}")
    print(", ".join(f"{count} {kind}" for kind, count in totals.items()))


if __name__ == "__main__":
    main()
