"""Progress lines keep reaching the terminal while Brian2 compiles a standalone project."""

import subprocess
import sys
import textwrap

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
