"""Store a quick run's summaries and figures for the documentation's reproduction pages.

    python -m reproductions all --scale quick --out DIR
    python docs/store_quick_run.py DIR --cold yes|no --machine "2-core AMD EPYC VM, 24 GiB"

copies ``DIR/PAPER/summary.json`` and the figures into ``docs/reproductions/results/PAPER/``
and records when, on which machine and at which commit the run was made.
"""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys

DOCS = os.path.dirname(os.path.abspath(__file__))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="the --out folder of the quick run")
    parser.add_argument("--cold", required=True, choices=("yes", "no"),
                        help="whether the run started from an empty --out")
    parser.add_argument("--machine", required=True, help="the machine, in words")
    args = parser.parse_args(argv)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=DOCS).stdout.strip() or "unknown"
    for paper in sorted(os.listdir(args.run)):
        source = os.path.join(args.run, paper, "summary.json")
        if not os.path.isfile(source):
            continue
        summary = json.load(open(source))
        when = datetime.datetime.fromtimestamp(os.path.getmtime(source), datetime.timezone.utc)
        summary["stored"] = {"when": when.strftime("%Y-%m-%d %H:%M UTC"),
                             "machine": args.machine, "commit": commit, "cold": args.cold}
        target = os.path.join(DOCS, "reproductions", "results", paper)
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(target)
        for figure in summary["figures"]:
            shutil.copy2(os.path.join(args.run, paper, figure), target)
        with open(os.path.join(target, "summary.json"), "w") as f:
            json.dump(summary, f, indent=1)
        print(f"{paper}: {len(summary['checks'])} checks, {len(summary['figures'])} figures")


if __name__ == "__main__":
    sys.exit(main())
