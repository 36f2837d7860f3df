"""The reproductions CLI: one-line errors with exit code 2, atomic outputs, the quick run."""

import json
import os
import subprocess
import sys
import types

import pytest

import reproductions
from reproductions.__main__ import run_paper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECK_SUMMARY = os.path.join(ROOT, "..", "shared", "tools", "check_summary.py")


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "reproductions", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=1800)


@pytest.mark.parametrize("args,match", [
    (["nonsense"], "unknown paper 'nonsense'"),
    (["siegert", "--scale", "huge"], "scale must be one of quick, full"),
    (["siegert", "--processes", "0"], "processes must be >= 1"),
    ([], "the following arguments are required: paper"),
    (["siegert", "--bogus"], "unrecognized arguments"),
])
def test_bad_input_prints_one_line_and_exits_2(args, match):
    result = cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and match in lines[0] and lines[0].startswith("error: ")


def test_a_failed_run_overwrites_nothing(tmp_path, monkeypatch):
    out = str(tmp_path)
    final = tmp_path / "demo"
    final.mkdir()
    (final / "summary.json").write_text('{"old": true}')
    (final / "figure.png").write_bytes(b"old figure")

    def failing_run(scale, report, processes=None, force=False):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        report.figure(plt.figure(), "figure.png")
        raise RuntimeError("simulation crashed")

    module = types.ModuleType("reproductions.demo")
    module.run = failing_run
    monkeypatch.setitem(sys.modules, "reproductions.demo", module)
    monkeypatch.setitem(reproductions.PAPERS, "demo", "reproductions.demo")
    with pytest.raises(RuntimeError):
        run_paper("demo", "quick", out)
    assert (final / "summary.json").read_text() == '{"old": true}'
    assert (final / "figure.png").read_bytes() == b"old figure"
    assert sorted(os.listdir(out)) == ["demo"]  # no staging folder left behind


def check_outputs(out, paper):
    summary_path = out / paper / "summary.json"
    summary = json.loads(summary_path.read_text())
    assert summary["paper"] == paper and summary["scale"] == "quick"
    assert summary["checks"] and all(c["passed"] for c in summary["checks"]), [
        c for c in summary["checks"] if not c["passed"]]
    index = (out / "index.md").read_text()
    for fig in summary["figures"]:
        assert (out / paper / fig).stat().st_size > 1000
        assert fig in index
    if os.path.exists(CHECK_SUMMARY):
        subprocess.run([sys.executable, CHECK_SUMMARY, str(summary_path)], check=True)


# the quick reproductions that fit the default suite (a few minutes each on 2 cores); every
# check they write must pass, among them sanzeni's dt-convergence check of the K = 100 network
@pytest.mark.parametrize("paper", ["siegert", "schuenemann", "sanzeni"])
def test_quick_reproduction_passes_its_checks(tmp_path, paper):
    result = cli(paper, "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    check_outputs(tmp_path, paper)
    if paper == "siegert":  # a second run reuses every finished point and compiles nothing
        again = cli(paper, "--out", str(tmp_path))
        assert again.returncode == 0 and "compiled" not in again.stdout


@pytest.mark.slow
def test_all_quick_reproductions(tmp_path):
    result = cli("all", "--scale", "quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    for paper in reproductions.PAPERS:
        check_outputs(tmp_path, paper)
