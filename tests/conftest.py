"""The suite runs in a private temporary directory and fails if it leaves files behind there.

Every temporary file of the tests and of the processes they start (standalone projects
``bm_build_*``, Brian2's debug logs and script copies, pytest's own tmp_path folders) goes
into one new directory (TMPDIR is set before Brian2 is imported). When the session ends, the
Simulations are garbage-collected and the directory must hold no standalone project and no
Brian2 debug file other than the running process's own log, which Brian2 deletes at exit;
then the directory is removed at exit. If anything was left, the session fails and the
directory stays for inspection.
"""

import atexit
import gc
import os
import shutil
import tempfile

import pytest

_PRIVATE = tempfile.mkdtemp(prefix="bm_tests_")
os.environ["TMPDIR"] = _PRIVATE
tempfile.tempdir = _PRIVATE
_CLEAN = []
# registered before Brian2 is imported, so it runs after Brian2 deleted its own log at exit
atexit.register(lambda: _CLEAN and shutil.rmtree(_PRIVATE, ignore_errors=True))

_LEFTOVER_PREFIXES = ("bm_build_", "brian_debug_", "brian_script_", "brian_stdout_",
                      "brian_stderr_")


def _own_brian_files():
    """Files that Brian2 keeps open in this process until it exits."""
    try:
        from brian2.utils.logger import BrianLogger, std_silent
    except ImportError:
        return set()
    own = {BrianLogger.tmp_log, BrianLogger.tmp_script,
           getattr(std_silent, "dest_fname_stdout", None),
           getattr(std_silent, "dest_fname_stderr", None)}
    return {os.path.basename(p) for p in own if p}


def pytest_sessionfinish(session, exitstatus):
    gc.collect()
    left = sorted(name for name in os.listdir(_PRIVATE)
                  if name.startswith(_LEFTOVER_PREFIXES) and name not in _own_brian_files())
    if left:
        print(f"\nleft in the temporary directory by the suite: {left}")
        session.exitstatus = 1
    else:
        _CLEAN.append(True)


Z = 4.0  # standard errors allowed for a simulated mean (a handful of checks)


@pytest.fixture
def rates_between_theories():
    """A check: the simulated rate of each population of ``table`` (population -> row with
    mu, sigma, diffusion_rate, simulated_rate, simulated_rate_se) lies between the diffusion
    prediction and the prediction with the first-order time-step and jump shift of threshold
    and reset (at the population's predicted mu and sigma; ``jump``: the largest jump),
    +-Z SE. Called as check(table, tau_m, dt, jump) for LIF neurons with V_th = 20 mV,
    V_r = 10 mV and tau_ref = 2 ms (the README's Brunel network)."""
    from theory import siegert_rate, threshold_shift

    def check(table, tau_m, dt, jump):
        for pop, row in table.items():
            delta = threshold_shift(row["sigma"], tau_m, dt, jump)
            shifted = siegert_rate(row["mu"], row["sigma"], tau_m, 0.02 + delta, 0.01 + delta,
                                   0.002)
            low = shifted - Z * row["simulated_rate_se"]
            high = row["diffusion_rate"] + Z * row["simulated_rate_se"]
            assert low <= row["simulated_rate"] <= high, (pop, row, shifted)

    return check
