"""Progress lines keep reaching the terminal while Brian2 compiles a standalone project, and
saved points a run reuses are taken off its expected duration."""

import os
import subprocess
import sys
import textwrap
import time

import pytest

from balanced_models import ParameterError, progress
from balanced_models.saved_points import PointStore

# Brian2's cpp_standalone compile runs make inside brian2.utils.logger.std_silent, which points
# file descriptors 1 and 2 at temporary files; progress lines written to sys.stderr then were
# lost, and a cold Sanzeni run was silent for 80 s (its first compile).
SCRIPT = textwrap.dedent("""
    import time
    from brian2.utils.logger import std_silent
    from balanced_models import progress

    with progress.reporting(interval=0.5, min_interval=0.0):
        progress.update(task="[test]", stage="compiling")
        with std_silent():
            time.sleep(3.2)
""")


def test_heartbeat_reaches_stderr_while_brian2_silences_it():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("[test]")]
    # one line on the update, then one every 0.5 s (checked each 1 s) for 3.2 s: >= 3 in all
    assert len(lines) >= 3, result.stderr


def test_reused_points_take_their_time_off_the_expected_duration(tmp_path):
    store = PointStore(tmp_path)

    def compute():
        time.sleep(0.3)
        return {"x": 1.0}

    assert store.cached({"seed": 1}, compute) == {"x": 1.0}
    (key,) = [name[:-len(".npz")] for name in os.listdir(tmp_path) if name.endswith(".npz")]
    result, seconds = store.load_timed(key)
    # the saved wall time of the computation: the sleep, plus little (not the reserved key)
    assert result == {"x": 1.0} and 0.3 <= seconds < 1.0
    with progress.reporting(interval=60.0):
        progress.update(task="[test]", expected=100.0)
        store.cached({"seed": 1}, lambda: pytest.fail("a saved point was recomputed"))
        assert progress._STATE["expected"] == pytest.approx(100.0 - seconds)
        assert "which leaves out" in progress._line(time.monotonic())
        with pytest.raises(ParameterError, match="seconds"):
            progress.reused(float("nan"))
    with pytest.raises(ParameterError, match="reserved"):
        store.save("k", {"seed": 2}, {"__seconds__": 1.0})
    with pytest.raises(ParameterError, match="seconds"):
        store.save("k", {"seed": 2}, {"x": 1.0}, seconds=float("inf"))


def test_a_step_that_counts_again_from_zero_restarts_its_estimate():
    """A step that keeps its name but counts again (NEST's 'simulated ms' of the next seed)
    starts its time-left estimate anew: 0.2 s for the first 10 of 1000 items gives 19.8 s
    left, not the previous seed's time extrapolated (which once printed 124 h)."""
    with progress.reporting(interval=60.0):
        progress.update(task="[test]", step="counting", done=900, total=1000)
        progress._STATE["step_start"] -= 100.0  # the first count took 100 s
        progress.update(step="counting", done=10, total=1000)
        progress._STATE["step_start"] -= 0.2
        line = progress._line(time.monotonic())
    assert "about 20 s left in this step" in line or "about 19 s left in this step" in line, line
