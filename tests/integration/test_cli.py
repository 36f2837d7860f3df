"""The reproductions CLI: one-line errors with exit code 2, atomic outputs, the quick run."""

import json
import os
import signal
import subprocess
import sys
import time
import types

import pytest

import reproductions
from reproductions.__main__ import run_paper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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


@pytest.mark.parametrize("args,match", [
    (["--scheduler", "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler at "
                                           "'tcp://127.0.0.1:9'"),
    (["--processes", "2", "--executor", "mpi"], "give one of --processes, --scheduler"),
    (["--executor", "slurm"], "invalid choice: 'slurm'"),
])
def test_a_bad_executor_prints_one_line_and_exits_2(args, match, tmp_path):
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    result = cli("siegert", "--out", str(tmp_path), *args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and match in lines[0] and lines[0].startswith("error: "), lines
    assert not (tmp_path / "siegert").exists()


def test_a_failed_run_overwrites_nothing(tmp_path, monkeypatch):
    out = str(tmp_path)
    final = tmp_path / "demo"
    final.mkdir()
    (final / "summary.json").write_text('{"old": true}')
    (final / "figure.png").write_bytes(b"old figure")

    def failing_run(scale, report, force=False):
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


def _demo_paper(monkeypatch, *checks, known_gaps=None):
    """A paper module whose run adds ``checks`` (and declares ``known_gaps``)."""
    def run(scale, report, force=False):
        report.add(*checks)

    module = types.ModuleType("reproductions.demo")
    module.run = run
    if known_gaps is not None:
        module.KNOWN_GAPS = known_gaps
    monkeypatch.setitem(sys.modules, "reproductions.demo", module)
    monkeypatch.setitem(reproductions.PAPERS, "demo", "reproductions.demo")


def test_a_failed_check_exits_1_and_the_last_line_names_it(tmp_path, monkeypatch, capsys):
    from reproductions.__main__ import main
    from reproductions.report import relative_check

    _demo_paper(monkeypatch,
                relative_check("good", "1 vs 1", 1.0, 1.0, 0.01, kind="simulation-vs-theory"),
                relative_check("bad", "1 vs 2", 1.0, 2.0, 0.01, kind="theory-vs-paper"))
    assert main(["demo", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == "checks that did not pass (1): demo:bad"
    assert "1/2 checks passed (theory-vs-paper 0/1; simulation-vs-theory 1/1)" in out[-2]
    summary = json.loads((tmp_path / "demo" / "summary.json").read_text())
    assert summary["checks"][1]["passed"] is False
    assert [c["kind"] for c in summary["checks"]] == ["simulation-vs-theory", "theory-vs-paper"]
    index = (tmp_path / "index.md").read_text()
    assert "### simulation against theory: 1/1 passed" in index
    assert "| bad | 1 | 2 | rel 0.01 | **no** |" in index


def test_known_gaps_fail_but_exit_0_unless_strict(tmp_path, monkeypatch, capsys):
    """A failing check whose name matches a known gap is still reported as failing, with its
    explanation; the CLI exits 0 when only known gaps fail, 1 with --strict, and 1 when any
    other check fails as well."""
    from reproductions.__main__ import main
    from reproductions.report import relative_check

    gap = relative_check("gap_a", "1 vs 2", 1.0, 2.0, 0.01, kind="simulation-vs-theory")
    good = relative_check("good", "1 vs 1", 1.0, 1.0, 0.01, kind="engine-vs-engine")
    _demo_paper(monkeypatch, gap, good, known_gaps={"gap_*": "a documented reason"})
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == "known gaps, failing as documented (1): demo:gap_a"
    assert "1/2 checks passed" in out[-2] and "1 known gap," in out[-2]
    summary = json.loads((tmp_path / "demo" / "summary.json").read_text())
    assert summary["checks"][0]["passed"] is False
    assert summary["checks"][0]["known_gap"] == "a documented reason"
    assert summary["checks"][1]["known_gap"] == ""  # a passing check carries no gap
    index = (tmp_path / "index.md").read_text()
    assert "**no: known gap**" in index and "- `gap_a`: a documented reason" in index

    assert main(["demo", "--out", str(tmp_path), "--strict"]) == 1
    capsys.readouterr()

    other = relative_check("other", "1 vs 3", 1.0, 3.0, 0.01, kind="simulation-vs-paper")
    _demo_paper(monkeypatch, gap, other, known_gaps={"gap_*": "a documented reason"})
    assert main(["demo", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-2:] == ["known gaps, failing as documented (1): demo:gap_a",
                        "checks that did not pass (1): demo:other"]


def test_a_check_has_a_kind():
    from reproductions.report import relative_check

    with pytest.raises(ValueError, match="kind must be one of"):
        relative_check("x", "x", 1.0, 1.0, 0.1, kind="simulation-vs-nothing")


def test_layout_problems_finds_overlapping_text_unlabelled_axes_and_empty_legends():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from balanced_models.core.plotting import layout_problems

    fig, axes = plt.subplots(2, 1, figsize=(3, 3))
    axes[0].set(xlabel="N", ylabel="rate (Hz)")
    axes[0].text(0.5, 0.5, "first note", transform=axes[0].transAxes)
    axes[0].text(0.55, 0.5, "second note", transform=axes[0].transAxes)
    axes[1].set(ylabel="count", title="a long title of the lower panel")
    axes[1].plot([0, 1], label="_hidden")
    with pytest.warns(UserWarning, match="No artists with labels"):
        axes[1].legend()
    problems = layout_problems(fig)
    assert "panel 'a long title of the lower panel': the x axis has tick labels but no " \
           "label" in problems
    assert "panel 'a long title of the lower panel': an empty legend" in problems
    assert "'first note' overlaps 'second note'" in problems
    plt.close(fig)
    fig, axes = plt.subplots(2, 1, figsize=(4, 4), layout="constrained")
    for ax in axes:
        ax.set(xlabel="N", ylabel="rate (Hz)", title="a title")
    assert layout_problems(fig) == []
    plt.close(fig)


def test_clean_removes_builds_points_and_staging_but_not_results(tmp_path, capsys):
    from reproductions.__main__ import main
    from reproductions.lock import RunLock

    for folder in (".build/zhu", ".points/zhu", ".zhu.partial", "zhu"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "file").write_text("x")
    with RunLock(str(tmp_path), "zhu"):  # a run in progress: clean is refused
        assert main(["clean", "--out", str(tmp_path)]) == 2
        assert "is in progress" in capsys.readouterr().err
    assert main(["clean", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".zhu.lock", "zhu"]
    assert (tmp_path / "zhu" / "file").read_text() == "x"


def check_outputs(out, paper):
    summary_path = out / paper / "summary.json"
    summary = json.loads(summary_path.read_text())
    assert summary["paper"] == paper and summary["scale"] == "quick"
    assert summary["checks"] and all(c["passed"] or c["known_gap"] for c in
                                     summary["checks"]), [
        c for c in summary["checks"] if not c["passed"] and not c["known_gap"]]
    assert summary["figure_problems"] == {}
    index = (out / "index.md").read_text()
    for fig in summary["figures"]:
        assert (out / paper / fig).stat().st_size > 1000
        assert fig in index
    if os.path.exists(CHECK_SUMMARY) and all(c["passed"] for c in summary["checks"]):
        subprocess.run([sys.executable, CHECK_SUMMARY, str(summary_path)], check=True)


# the quick reproductions of the default suite; every check they write must pass (schuenemann
# runs in test_concurrent_killed_and_interrupted_runs). Sanzeni's (186 s of an 872 s suite on 2
# cores, with its dt-convergence check of the K = 100 network) runs with -m slow, beside the
# run of all quick reproductions, to keep the default suite well under 15 minutes.
@pytest.mark.parametrize("paper", ["siegert", pytest.param("sanzeni", marks=pytest.mark.slow)])
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


# ---------------------------------------------------------------------------------------------
# a second run, a killed run, an interrupted run
# ---------------------------------------------------------------------------------------------
def _start(out, *extra):
    """A schuenemann run that may be killed: its temporary files (Brian2's debug log and
    script copy, which a SIGKILLed process cannot delete) go to a folder of the test's own."""
    tmp = out.parent / f"{out.name}_tmp"
    tmp.mkdir(exist_ok=True)
    return subprocess.Popen([sys.executable, "-m", "reproductions", "schuenemann", "--out",
                             str(out), *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            start_new_session=True, env=dict(os.environ, TMPDIR=str(tmp)))


def _wait_until(condition, process, timeout=300):
    start = time.monotonic()
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() - start < timeout
        time.sleep(0.1)


def _snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_concurrent_killed_and_interrupted_runs(tmp_path):
    """The schuenemann quick run (30 avalanche batches saved as points, then Brian2):

    1. a second run into the same --out is refused while the first holds the lock;
    2. the first, SIGKILLed part-way, leaves its finished points and no results; the lock
       it held does not block the rerun, which resumes from those points and completes;
    3. a --force run SIGKILLed part-way, and one interrupted with Ctrl-C (SIGINT: one line,
       exit 130), leave the complete output of step 2 byte for byte.
    """
    out = tmp_path / "out"
    out.mkdir()
    points = out / ".points" / "schuenemann"
    first = _start(out)
    _wait_until(lambda: len(list(points.glob("*.npz"))) >= 3, first)
    second = cli("schuenemann", "--out", str(out))
    assert second.returncode == 2, second
    assert second.stderr.count("\n") == 1 and "is in progress" in second.stderr
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    saved = list(points.glob("*.npz"))
    assert len(saved) >= 3 and not (out / "schuenemann").exists()

    rerun = cli("schuenemann", "--out", str(out))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f"saved points {len(saved)} reused" in rerun.stdout, rerun.stdout
    check_outputs(out, "schuenemann")
    complete = _snapshot(out / "schuenemann")

    for how in (signal.SIGKILL, signal.SIGINT):
        before = {p: p.stat().st_mtime_ns for p in points.glob("*.npz")}
        run = _start(out, "--force")
        _wait_until(lambda: any(p.stat().st_mtime_ns != before.get(p)
                                for p in points.glob("*.npz")), run)
        os.killpg(run.pid, how)
        stdout, stderr = run.communicate(timeout=60)
        if how == signal.SIGINT:
            assert run.returncode == 130, (stdout, stderr)
            # progress lines, then one line for the interruption; no traceback
            assert stderr.strip().splitlines()[-1] == (
                "interrupted: finished points are kept; run the same command again to resume")
            assert "Traceback" not in stderr and "Brian 2 encountered" not in stderr
            assert not (out / ".schuenemann.partial").exists()
        assert _snapshot(out / "schuenemann") == complete
