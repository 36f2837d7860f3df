"""Writes one documentation page per reproduction when the documentation is built.

Each page is made of what the code and the stored quick run hold, so that it cannot drift:

- the module docstring of ``reproductions.PAPER`` (what the reproduction does);
- the checks of the stored quick run (``docs/reproductions/results/PAPER/summary.json``), by
  kind, with expected and measured values, tolerances and verdicts;
- its figures;
- the known gaps: the module's ``KNOWN_GAPS`` patterns with their explanations, and which
  checks of the stored run they mark;
- the hand-written analysis in ``docs/reproductions/narrative/PAPER.md``, if there is one.

The stored quick run is refreshed with ``python docs/store_quick_run.py DIR`` after a run of
``python -m reproductions all --scale quick --out DIR``.
"""

import ast
import fnmatch
import json
import os

from reproductions.report import KINDS  # the check kinds, named once

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.dirname(HERE)
ROOT = os.path.dirname(DOCS)
TITLES = {
    "siegert": "Siegert: the LIF diffusion theory",
    "schuenemann": "Schünemann, Ernst & Kesseböhmer: avalanches",
    "sanzeni": "Sanzeni, Histed & Brunel: strong coupling with conductances",
    "zhu": "Zhu, Ocker & Rosenbaum: variability against network size",
    "layer": "Layer, Helias & Dahmen: heterogeneous covariances",
    "akil": "Akil, Rosenbaum & Josić: STDP in balanced networks",
    "crosssim": "Crosssim: the same networks on Brian2 and NEST",
    "brunel": "Brunel: phase diagram and population spectra",
}


def _module_facts(paper):
    """Docstring and KNOWN_GAPS of reproductions/PAPER.py, read without importing it."""
    tree = ast.parse(open(os.path.join(ROOT, "reproductions", f"{paper}.py")).read())
    gaps = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "KNOWN_GAPS"
                                                for t in node.targets):
            gaps = ast.literal_eval(node.value)
    return ast.get_docstring(tree) or "", gaps


def _number(x):
    return "" if x is None else f"{x:.4g}"


def _escape(text):
    return str(text).replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def page(paper):
    doc, gaps = _module_facts(paper)
    lines = [f"# {TITLES.get(paper, paper)}", "", f"`python -m reproductions {paper}`", "",
             "```{eval-rst}", doc, "```", ""]
    results = os.path.join(DOCS, "reproductions", "results", paper)
    summary_path = os.path.join(results, "summary.json")
    summary = json.load(open(summary_path)) if os.path.isfile(summary_path) else None
    if summary:
        checks = summary["checks"]
        passed = sum(c["passed"] for c in checks)
        meta = summary.get("stored", {})
        lines += ["## The quick run", "",
                  f"{passed} of {len(checks)} checks passed, {summary['seconds']:.0f} s "
                  f"({meta.get('when', 'date unknown')}; {meta.get('machine', '')}; commit "
                  f"{meta.get('commit', 'unknown')}; cold: {meta.get('cold', 'unknown')}).", ""]
        for kind, title in KINDS.items():
            of_kind = [c for c in checks if c.get("kind") == kind]
            if not of_kind:
                continue
            n = sum(c["passed"] for c in of_kind)
            lines += [f"### {title[0].upper() + title[1:]}: {n} of {len(of_kind)}", "",
                      "| check | what | expected | measured | tolerance | passed |",
                      "|---|---|---|---|---|---|"]
            for c in of_kind:
                verdict = "yes" if c["passed"] else \
                    ("**no** (known gap)" if c.get("known_gap") else "**no**")
                lines.append(f"| `{c['name']}` | {_escape(c['description'])} | "
                             f"{_number(c['expected'])} | {_number(c['measured'])} | "
                             f"{_escape(c['tolerance'])} | {verdict} |")
            lines.append("")
        lines += ["## Figures", ""]
        for fig in summary["figures"]:
            lines += [f"```{{image}} results/{paper}/{fig}", f":alt: {fig}", "```", ""]
    if gaps:
        lines += ["## Known gaps", "",
                  "A known gap is a check that fails for a documented reason. It keeps its "
                  "tolerance and is reported as failing; `python -m reproductions` exits 0 "
                  "when only known gaps fail (`--strict` exits 1).", ""]
        for pattern, why in gaps.items():
            marked = [c["name"] for c in (summary or {}).get("checks", [])
                      if not c["passed"] and fnmatch.fnmatchcase(c["name"], pattern)]
            where = (f" In the stored quick run: {', '.join(f'`{m}`' for m in marked)}."
                     if marked else " Not failing in the stored quick run.")
            lines += [f"- `{pattern}`: {why}{where}"]
        lines.append("")
    narrative = os.path.join(DOCS, "reproductions", "narrative", f"{paper}.md")
    if os.path.isfile(narrative):
        lines += ["## Analysis", "", f"```{{include}} narrative/{paper}.md", "```", ""]
    return "\n".join(lines)


def write_pages(app=None):
    papers = list(TITLES)
    out_dir = os.path.join(DOCS, "reproductions")
    for paper in papers:
        text = page(paper)
        path = os.path.join(out_dir, f"{paper}.md")
        if not os.path.isfile(path) or open(path).read() != text:
            with open(path, "w") as f:
                f.write(text)

