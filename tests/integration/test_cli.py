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


def test_a_failed_check_exits_1_and_the_last_line_names_it(tmp_path, monkeypatch, capsys):
    from reproductions.__main__ import main
    from reproductions.report import relative_check

    def run(scale, report, processes=None, force=False):
        report.add(relative_check("good", "1 vs 1", 1.0, 1.0, 0.01),
                   relative_check("bad", "1 vs 2", 1.0, 2.0, 0.01))

    module = types.ModuleType("reproductions.demo")
    module.run = run
    monkeypatch.setitem(sys.modules, "reproductions.demo", module)
    monkeypatch.setitem(reproductions.PAPERS, "demo", "reproductions.demo")
    assert main(["demo", "--out", str(tmp_path)]) == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == "checks that did not pass (1): demo:bad"
    assert json.loads((tmp_path / "demo" / "summary.json").read_text())["checks"][1][
        "passed"] is False


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
    assert summary["checks"] and all(c["passed"] for c in summary["checks"]), [
        c for c in summary["checks"] if not c["passed"]]
    index = (out / "index.md").read_text()
    for fig in summary["figures"]:
        assert (out / paper / fig).stat().st_size > 1000
        assert fig in index
    if os.path.exists(CHECK_SUMMARY):
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
