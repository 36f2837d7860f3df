"""The results contract: figures (PNG), tables (CSV) and summary.json per paper, and index.md.

Everything of one run is written into a staging folder first and moved into ``DIR/PAPER/``
only when the run finished, so a failed run overwrites nothing already saved. Finished
simulation points are kept separately (``DIR/PAPER/points/``) as soon as each one finishes,
and compiled standalone projects in ``DIR/.build/PAPER/``.
"""

import json
import math
import os
import shutil
from dataclasses import asdict, dataclass

__all__ = ["Check", "relative_check", "absolute_check", "interval_check", "Report", "write_index"]


@dataclass
class Check:
    """One comparison of a measured quantity with a prediction."""

    name: str
    description: str
    expected: float
    measured: float
    tolerance: str
    passed: bool


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def relative_check(name, description, expected, measured, rel_tol):
    """Pass if |measured - expected| <= rel_tol |expected|."""
    ok = abs(measured - expected) <= rel_tol * abs(expected)
    return Check(name, description, _num(expected), _num(measured), f"rel {rel_tol:g}", bool(ok))


def absolute_check(name, description, expected, measured, abs_tol, unit=""):
    """Pass if |measured - expected| <= abs_tol."""
    ok = abs(measured - expected) <= abs_tol
    return Check(name, description, _num(expected), _num(measured),
                 f"abs {abs_tol:g}{(' ' + unit) if unit else ''}", bool(ok))


def interval_check(name, description, expected, measured, low, high, why):
    """Pass if low <= measured <= high; ``why`` states where the interval comes from."""
    ok = low <= measured <= high
    return Check(name, description, _num(expected), _num(measured),
                 f"in [{low:.4g}, {high:.4g}]: {why}", bool(ok))


class Report:
    """Collects the outputs of one paper's run and writes them atomically at the end."""

    def __init__(self, paper, scale, out_dir):
        self.paper, self.scale = paper, scale
        self.final_dir = os.path.join(out_dir, paper)
        self.staging = os.path.join(out_dir, f".{paper}.partial")
        shutil.rmtree(self.staging, ignore_errors=True)
        os.makedirs(self.staging)
        self.points_dir = os.path.join(self.final_dir, "points")
        #: where compiled standalone projects live (reused by later runs into the same DIR)
        self.build_dir = os.path.join(out_dir, ".build", paper)
        self.checks, self.figures, self.tables = [], [], []

    def add(self, *checks):
        self.checks.extend(checks)

    def figure(self, fig, filename):
        """Save a matplotlib figure as PNG and close it."""
        import matplotlib.pyplot as plt

        fig.savefig(os.path.join(self.staging, filename), dpi=110, bbox_inches="tight")
        plt.close(fig)
        self.figures.append(filename)

    def table(self, frame, filename):
        """Save a pandas DataFrame as CSV."""
        frame.to_csv(os.path.join(self.staging, filename), index=False)
        self.tables.append(filename)

    def write(self, seconds):
        """Write summary.json and move everything into DIR/PAPER; return the summary dict."""
        summary = {"paper": self.paper, "scale": self.scale, "seconds": round(seconds, 1),
                   "checks": [asdict(c) for c in self.checks], "figures": self.figures,
                   "tables": self.tables}
        with open(os.path.join(self.staging, "summary.json"), "w") as f:
            json.dump(summary, f, indent=1)
        os.makedirs(self.final_dir, exist_ok=True)
        for name in os.listdir(self.staging):
            os.replace(os.path.join(self.staging, name), os.path.join(self.final_dir, name))
        os.rmdir(self.staging)
        return summary

    def discard(self):
        shutil.rmtree(self.staging, ignore_errors=True)


def write_index(out_dir):
    """DIR/index.md: every paper's figures and checks, from the summaries present in DIR."""
    lines = ["# Reproductions", ""]
    for paper in sorted(os.listdir(out_dir)):
        path = os.path.join(out_dir, paper, "summary.json")
        if not os.path.isfile(path):
            continue
        with open(path) as f:
            s = json.load(f)
        passed = sum(c["passed"] for c in s["checks"])
        lines += [f"## {paper} ({s['scale']}, {s['seconds']:.0f} s): "
                  f"{passed}/{len(s['checks'])} checks passed", "",
                  "| check | expected | measured | tolerance | passed |", "|---|---|---|---|---|"]
        for c in s["checks"]:
            exp = "" if c["expected"] is None else f"{c['expected']:.4g}"
            mea = "" if c["measured"] is None else f"{c['measured']:.4g}"
            lines.append(f"| {c['name']} | {exp} | {mea} | {c['tolerance']} | "
                         f"{'yes' if c['passed'] else '**no**'} |")
        lines.append("")
        lines += [f"![{fig}]({paper}/{fig})" for fig in s["figures"]] + [""]
    with open(os.path.join(out_dir, "index.md"), "w") as f:
        f.write("\n".join(lines))
