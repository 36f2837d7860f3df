"""The results contract: figures (PNG), tables (CSV) and summary.json per paper, and index.md.

Everything of one run is written into a staging folder (``DIR/.PAPER.partial``) and replaces
``DIR/PAPER/`` as a whole only when the run finished: the old folder is renamed aside, the
staging folder renamed into place, the old one removed. A run that fails, is interrupted or
is killed leaves the previous ``DIR/PAPER/`` byte for byte (a kill between the two renames
leaves it as ``DIR/.PAPER.previous``, which the next run puts back). Finished simulation
points are kept outside it (``DIR/.points/PAPER/``) as soon as each one finishes, so a rerun
resumes from them, and compiled standalone projects in ``DIR/.build/PAPER/``.
"""

import fnmatch
import json
import math
import os
import shutil
from dataclasses import asdict, dataclass, replace

__all__ = ["KINDS", "Check", "relative_check", "absolute_check", "interval_check", "Report",
           "write_index", "counts_by_kind"]

#: what a check compares, and how the reports say it
KINDS = {
    "theory-vs-paper": "theory against the paper's values (a regression of the theory)",
    "simulation-vs-theory": "simulation against theory",
    "simulation-vs-paper": "simulation against the paper's values",
    "engine-vs-engine": "one simulation against another (engines, threads, time steps)",
}


@dataclass
class Check:
    """One comparison of a measured quantity with a prediction.

    ``kind`` says what is compared (one of :data:`KINDS`). ``known_gap``, when not empty,
    explains why the check is expected to fail and where the documentation shows the
    evidence; the check is still evaluated with its own tolerance and reported as failing.
    """

    name: str
    description: str
    expected: float
    measured: float
    tolerance: str
    passed: bool
    kind: str
    known_gap: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"check {self.name!r}: kind must be one of {', '.join(KINDS)}; "
                             f"got {self.kind!r}")


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def relative_check(name, description, expected, measured, rel_tol, *, kind, known_gap=""):
    """Pass if |measured - expected| <= rel_tol |expected|."""
    ok = abs(measured - expected) <= rel_tol * abs(expected)
    return Check(name, description, _num(expected), _num(measured), f"rel {rel_tol:g}", bool(ok),
                 kind, known_gap)


def absolute_check(name, description, expected, measured, abs_tol, unit="", *, kind,
                   known_gap=""):
    """Pass if |measured - expected| <= abs_tol."""
    ok = abs(measured - expected) <= abs_tol
    return Check(name, description, _num(expected), _num(measured),
                 f"abs {abs_tol:g}{(' ' + unit) if unit else ''}", bool(ok), kind, known_gap)


def interval_check(name, description, expected, measured, low, high, why, *, kind,
                   known_gap=""):
    """Pass if low <= measured <= high; ``why`` states where the interval comes from."""
    ok = low <= measured <= high
    return Check(name, description, _num(expected), _num(measured),
                 f"in [{low:.4g}, {high:.4g}]: {why}", bool(ok), kind, known_gap)


def counts_by_kind(checks):
    """``{kind: (passed, total)}`` over check dicts (summary.json), in the order of KINDS."""
    counts = {}
    for kind in KINDS:
        of_kind = [c for c in checks if c.get("kind") == kind]
        if of_kind:
            counts[kind] = (sum(c["passed"] for c in of_kind), len(of_kind))
    return counts


def _network_point(payload):
    """A worker's part of :meth:`Report.network_sweep`: one point of a hand-built network."""
    import time

    from balanced_models.engines.brian2.compiled_structures import compiled_network
    from balanced_models.sweeps import point_result

    start = time.perf_counter()
    point = payload["point"]
    with compiled_network(payload["key"], payload["build"], dt=payload["dt"],
                          cache_directory=payload["cache"]) as network:
        h = network.handles
        network.execute(payload["run_args"](h, point) if payload["run_args"] else {},
                        seed=point["seed"])
        values = payload["extract"](h, point)
    return point_result(values, compiled=network.compiled,
                        seconds=time.perf_counter() - start)


class Report:
    """Collects the outputs of one paper's run and writes them atomically at the end."""

    def __init__(self, paper, scale, out_dir, known_gaps=None):
        self.paper, self.scale = paper, scale
        #: ``{check-name pattern: explanation}`` (fnmatch patterns): a failing check whose
        #: name matches is marked a known gap with that explanation; it still fails
        self.known_gaps = dict(known_gaps or {})
        self.final_dir = os.path.join(out_dir, paper)
        self.previous = os.path.join(out_dir, f".{paper}.previous")
        if os.path.isdir(self.previous):  # a run killed between the two renames of write()
            if os.path.exists(self.final_dir):
                shutil.rmtree(self.previous)
            else:
                os.rename(self.previous, self.final_dir)
        self.staging = os.path.join(out_dir, f".{paper}.partial")
        shutil.rmtree(self.staging, ignore_errors=True)
        os.makedirs(self.staging)
        #: finished simulation points (kept across runs; a rerun resumes from them)
        self.points_dir = os.path.join(out_dir, ".points", paper)
        old_points = os.path.join(self.final_dir, "points")  # where earlier versions kept them
        if os.path.isdir(old_points) and not os.path.isdir(self.points_dir):
            shutil.copytree(old_points, self.points_dir)
        #: where compiled standalone projects live (reused by later runs into the same DIR)
        self.build_dir = os.path.join(out_dir, ".build", paper)
        #: compiled structures of the sweeps (balanced_models.sweeps' cache), removed by clean
        self.structures_dir = os.path.join(out_dir, ".build", "structures")
        #: where sweeps run: None (local processes, one per core), a number of local
        #: processes, a concurrent.futures.Executor (--executor mpi) or a Dask Client
        #: (--scheduler)
        self.executor = None
        self.checks, self.figures, self.tables, self.stores = [], [], [], []
        #: per figure, what makes it hard to read (core.plotting.layout_problems); tests
        #: require it empty
        self.figure_problems = {}

    def stage(self, k, n, name):
        """Tell the progress display that stage k of n (``name``) runs."""
        from balanced_models import progress

        progress.update(stage=f"stage {k} of {n}: {name}")

    def point_store(self):
        """The PointStore of this paper's finished points (DIR/.points/PAPER); the summary
        counts the points it reused and saved."""
        from balanced_models.saved_points import PointStore

        store = PointStore(self.points_dir)
        self.stores.append(store)
        return store

    def sweep(self, description, over, **options):
        """:func:`balanced_models.sweep` on this run's executor, its finished points saved in
        this paper's store and its structures compiled in DIR/.build/structures."""
        import balanced_models as bm

        return bm.sweep(description, over, executor=self.executor, store=self.point_store(),
                        cache_directory=self.structures_dir, **options)

    def map_points(self, function, keys, payload_of, **options):
        """:func:`balanced_models.sweeps.map_points` on this run's executor, with this
        paper's store; a failed point stops the paper (after the others finished and were
        saved). Returns {key: values}."""
        from balanced_models.sweeps import map_points

        run = map_points(function, keys, payload_of, executor=self.executor,
                         store=self.point_store(), **options)
        if run.errors:
            first = next(iter(run.errors.items()))
            raise RuntimeError(f"{len(run.errors)} points failed; the first: {first[1]}")
        return run.values

    def network_sweep(self, key, build, points, *, dt, run_args=None, extract, force=False,
                      describe=None):
        """Run ``points`` on one hand-built network, compiled once (on any executor).

        key : names everything ``build`` makes (part of each point's saved key)
        build : picklable ``build(sim) -> handles``: creates the Brian2 objects and calls
            ``sim.network.run`` (module-level functions, or functools.partial of them)
        points : list of dicts, each with an integer 'seed' and JSON-serialisable values
        dt : time step (s)
        run_args : picklable ``run_args(handles, point) -> {group.variable: value}``
        extract : picklable ``extract(handles, point) -> dict`` of what is kept
        Returns the results in the order of ``points``.
        """
        from balanced_models.saved_points import point_key

        keys = [point_key(point, f"{key}|dt={dt!r}") for point in points]
        point_of = dict(zip(keys, points))
        common = dict(key=key, build=build, dt=dt, run_args=run_args, extract=extract,
                      cache=self.structures_dir)
        values = self.map_points(_network_point, keys,
                                 lambda k: dict(common, point=point_of[k]), force=force,
                                 describe=describe and (lambda k: describe(point_of[k])))
        return [values[k] for k in keys]

    def add(self, *checks):
        """Record checks; a failing one that matches a known-gap pattern carries its
        explanation (and still fails)."""
        for check in checks:
            if not check.passed and not check.known_gap:
                for pattern, why in self.known_gaps.items():
                    if fnmatch.fnmatchcase(check.name, pattern):
                        check = replace(check, known_gap=why)
                        break
            self.checks.append(check)

    def figure(self, fig, filename):
        """Check the figure's layout (overlapping text, unlabelled axes, empty legends), save
        it as PNG and close it."""
        import matplotlib.pyplot as plt

        from balanced_models.core.plotting import layout_problems

        problems = layout_problems(fig)
        if problems:
            self.figure_problems[filename] = problems
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
                   "tables": self.tables, "figure_problems": self.figure_problems,
                   "points": {"reused": sum(s.reused for s in self.stores),
                              "computed": sum(s.saved for s in self.stores)}}
        with open(os.path.join(self.staging, "summary.json"), "w") as f:
            json.dump(summary, f, indent=1)
        if os.path.exists(self.final_dir):
            os.rename(self.final_dir, self.previous)
        os.rename(self.staging, self.final_dir)
        shutil.rmtree(self.previous, ignore_errors=True)
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
                  f"{passed}/{len(s['checks'])} checks passed", ""]
        for kind, (n_pass, n) in counts_by_kind(s["checks"]).items():
            lines += [f"### {KINDS[kind]}: {n_pass}/{n} passed", "",
                      "| check | expected | measured | tolerance | passed |",
                      "|---|---|---|---|---|"]
            for c in s["checks"]:
                if c.get("kind") != kind:
                    continue
                exp = "" if c["expected"] is None else f"{c['expected']:.4g}"
                mea = "" if c["measured"] is None else f"{c['measured']:.4g}"
                verdict = "yes" if c["passed"] else \
                    "**no: known gap**" if c.get("known_gap") else "**no**"
                lines.append(f"| {c['name']} | {exp} | {mea} | {c['tolerance']} | {verdict} |")
            lines.append("")
        gaps = [c for c in s["checks"] if not c["passed"] and c.get("known_gap")]
        if gaps:
            lines += ["Known gaps:", ""] + [f"- `{c['name']}`: {c['known_gap']}" for c in gaps]
            lines.append("")
        lines += [f"![{fig}]({paper}/{fig})" for fig in s["figures"]] + [""]
    with open(os.path.join(out_dir, "index.md"), "w") as f:
        f.write("\n".join(lines))
