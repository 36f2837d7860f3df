"""Progress of long work: what runs, how far it is, and the time left.

Long library calls (sweeps, avalanche engines, standalone compiles and runs, NEST runs) and
the reproductions report their state through :func:`update`. Nothing is printed unless
reporting is on: inside :func:`reporting` (the command line turns it on), or with the
environment variable ``BALANCED_MODELS_PROGRESS=1``. So tests and library users stay quiet
unless they ask.

While reporting is on, a line goes to stderr when the state changes (at most every
``min_interval`` seconds) and, from a background thread, at least every ``interval`` seconds
(30 s by default) even while one long step (a compile, one simulation) runs, for example::

    [zhu] paper 4 of 7, stage 2 of 9: N = 1000, current: simulating (current_N1000), 1 min 10 s
    elapsed, about 28 s left of the expected 1 min 38 s

A task (set by the command line) has stages (set by a reproduction) and steps (set by library
calls). A step with a count of items gets an estimate of its time left: its elapsed time times
(total - done) / done. A task with an expected duration (its last run) gets one too.
"""

import contextlib
import os
import sys
import threading
import time

from theory.errors import require, require_nonnegative

__all__ = ["update", "reused", "reporting", "enabled", "format_seconds"]

_STATE = {"depth": 0, "task": None, "task_start": None, "stage": "", "step": "",
          "step_start": None, "expected": None, "reused": 0.0,
          "done": None, "total": None, "last_print": 0.0, "stream": None,
          "min_interval": 5.0, "interval": 30.0}
_LOCK = threading.Lock()
_ENV = "BALANCED_MODELS_PROGRESS"


def enabled():
    """Whether progress lines are printed now."""
    return _STATE["depth"] > 0 or os.environ.get(_ENV, "") == "1"


def format_seconds(seconds):
    """'45 s', '3 min 10 s' or '1 h 02 min'."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def update(task=None, stage=None, step=None, done=None, total=None, expected=None):
    """Set the state of the work in progress (a no-op unless reporting is on).

    Parameters
    ----------
    task : str, optional
        What runs, e.g. "[zhu]" (the command line sets it). A new task clears stage and step.
    stage : str, optional
        The part of the task, e.g. "stage 2 of 3: N = 1000" (a reproduction sets it). A new
        stage clears the step.
    step : str, optional
        The current step of the task, e.g. "compiling" or "simulating points" (library calls
        set it and leave the task alone). A new step restarts the clock of the estimate.
    done, total : int, optional
        How many of ``total`` items of the step are finished; the time left is estimated as
        the step's elapsed time times (total - done) / done.
    expected : float, optional
        Expected duration of a new task (s), e.g. from its last run; the estimate of the time
        left while no step counts items.
    """
    if not enabled():
        return
    now = time.monotonic()
    with _LOCK:
        if task is not None and task != _STATE["task"]:
            _STATE.update(task=task, task_start=now, stage="", step="", step_start=now,
                          done=None, total=None, expected=expected, reused=0.0)
        if _STATE["task"] is None:
            _STATE.update(task="working", task_start=now, step_start=now)
        if stage is not None and stage != _STATE["stage"]:
            _STATE.update(stage=stage, step="", step_start=now, done=None, total=None)
        if step is not None and step != _STATE["step"]:
            _STATE.update(step=step, step_start=now, done=None, total=None)
        if total is not None:
            if (done or 0) < (_STATE["done"] or 0):  # the same step counts again from 0
                _STATE["step_start"] = now
            _STATE.update(done=done or 0, total=total)
        due = now - _STATE["last_print"] >= _STATE["min_interval"]
    if due:
        _print(now)


def reused(seconds):
    """Tell the estimate that work which once took ``seconds`` of wall time was loaded from
    saved points instead of being done again: the task's expected duration shrinks by that
    much (a no-op unless reporting is on and the task has an expected duration).

    Parameters
    ----------
    seconds : float
        Wall time (s) the reused work took when it was done, >= 0.
    """
    seconds = require_nonnegative("seconds", seconds)
    if not enabled() or seconds == 0.0:
        return
    with _LOCK:
        if _STATE["expected"] is not None:
            _STATE["expected"] = max(_STATE["expected"] - seconds, 0.0)
            _STATE["reused"] += seconds


def _line(now):
    text = _STATE["task"]
    if _STATE["stage"]:
        text += f", {_STATE['stage']}"
    if _STATE["step"]:
        text += f": {_STATE['step']}"
    done, total = _STATE["done"], _STATE["total"]
    if total:
        text += f" ({done} of {total})"
    elapsed = now - _STATE["task_start"]
    text += f", {format_seconds(elapsed)} elapsed"
    if total and done:
        step_elapsed = now - _STATE["step_start"]
        text += f", about {format_seconds(step_elapsed * (total - done) / done)} left in " \
                "this step"
    elif total:
        text += ", this step's time left known after its first item"
    expected, reused = _STATE["expected"], _STATE["reused"]
    if expected is not None:
        text += (f", about {format_seconds(expected - elapsed)} left of the expected "
                 f"{format_seconds(expected)}" if elapsed < expected else
                 f", beyond the expected {format_seconds(expected)}")
        if reused:
            text += f", which leaves out {format_seconds(reused)} of reused saved points"
    elif not total:
        text += ", time left not known (no earlier run to go by)"
    return text


def _print(now):
    with _LOCK:
        if _STATE["task"] is None:
            return
        line = _line(now)
        _STATE["last_print"] = now
    stream = _STATE["stream"] or sys.stderr
    print(line, file=stream, flush=True)


def _terminal_copy():
    """A line-buffered stream on a duplicate of stderr's file descriptor, or None.

    Brian2 points file descriptors 1 and 2 at temporary files while it compiles a standalone
    project (``brian2.utils.logger.std_silent``), so lines written to ``sys.stderr`` then
    vanish; a duplicate taken before keeps reaching the terminal.
    """
    try:
        sys.stderr.flush()
        return os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1)
    except (AttributeError, OSError, ValueError):  # no real descriptor (e.g. captured)
        return None


def _heartbeat(stop):
    while not stop.wait(1.0):
        now = time.monotonic()
        if now - _STATE["last_print"] >= _STATE["interval"]:
            _print(now)


@contextlib.contextmanager
def reporting(interval=30.0, min_interval=5.0, stream=None):
    """Print progress inside this block: on changes (at most every ``min_interval`` s) and at
    least every ``interval`` s.

    Parameters
    ----------
    interval : float
        Longest silence (s), > 0.
    min_interval : float
        Shortest gap between lines caused by updates (s), >= 0.
    stream : file, optional
        Where lines go (default: a duplicate of stderr's file descriptor, so that lines
        still reach the terminal while Brian2 redirects stderr during a compile; sys.stderr
        where it has no descriptor).
    """
    require("interval", interval, low=0.0, low_open=True, unit="s")
    require("min_interval", min_interval, low=0.0, unit="s")
    stop = threading.Event()
    thread, own = None, None
    with _LOCK:
        _STATE["depth"] += 1
        outer = _STATE["depth"] > 1
        if not outer:
            own = stream is None and _terminal_copy()
            _STATE.update(interval=float(interval), min_interval=float(min_interval),
                          stream=own or stream, last_print=time.monotonic(), task=None)
    if not outer:
        thread = threading.Thread(target=_heartbeat, args=(stop,), daemon=True)
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if thread is not None:
            thread.join()
        with _LOCK:
            _STATE["depth"] -= 1
            if not outer and own:
                _STATE["stream"] = None
                own.close()
