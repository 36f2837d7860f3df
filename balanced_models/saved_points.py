"""Finished points of a long run, saved on disk one file each as soon as they finish, so that
an interrupted run resumes where it stopped and overwrites nothing already saved. Engine-free:
any engine's sweep saves its points here.
"""

import hashlib
import json
import os
import tempfile
import time

import numpy as np

from theory.errors import ParameterError, require_nonnegative

from . import progress

__all__ = ["PointStore", "point_key"]


def point_key(point, structure=""):
    """Stable key of a point: a hash of its sorted JSON (and of the structure's name)."""
    text = json.dumps({"structure": structure, "point": point}, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


class PointStore:
    """Finished sweep points on disk, one ``<key>.npz`` each, written atomically."""

    def __init__(self, directory):
        self.directory = os.path.abspath(directory)
        os.makedirs(self.directory, exist_ok=True)
        #: how many points were loaded from disk and how many were computed and saved
        self.reused, self.saved = 0, 0

    def _path(self, key):
        return os.path.join(self.directory, f"{key}.npz")

    def load(self, key):
        """The saved result dict, or None if the point has not finished."""
        return self.load_timed(key)[0]

    def load_timed(self, key):
        """A saved point and the wall time its computation took.

        Parameters
        ----------
        key : str
            The point's key (:func:`point_key`).

        Returns
        -------
        result : dict or None
            The saved result, or None if the point has not finished.
        seconds : float
            Wall time (s) of the computation; 0.0 if the point has not finished or was saved
            without its time.
        """
        path = self._path(key)
        if not os.path.exists(path):
            return None, 0.0
        self.reused += 1
        with np.load(path, allow_pickle=False) as data:
            result = {k: (data[k].item() if data[k].ndim == 0 else data[k])
                      for k in data.files if not k.startswith("__")}
            seconds = float(data["__seconds__"]) if "__seconds__" in data.files else 0.0
        return result, seconds

    def save(self, key, point, result, seconds=None):
        """Write ``result`` (dict of arrays/numbers) for ``point``, and the wall ``seconds`` its
        computation took (if known): temp file, then rename."""
        if any(k.startswith("__") for k in result):
            raise ParameterError(f"result names starting with '__' are reserved; got "
                                 f"{sorted(k for k in result if k.startswith('__'))}")
        extra = {} if seconds is None else {
            "__seconds__": float(require_nonnegative("seconds", seconds, "s"))}
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".npz.tmp")
        os.close(fd)
        with open(tmp, "wb") as f:
            np.savez(f, __point__=json.dumps(point, sort_keys=True, default=str), **extra,
                     **{k: np.asarray(v) for k, v in result.items()})
        os.replace(tmp, self._path(key))
        self.saved += 1

    def cached(self, point, compute, *, structure="", force=False):
        """The saved result of ``point``, or compute() -> dict, saved before it is returned.
        A reused point takes the time it once took off the progress estimate."""
        key = point_key(point, structure)
        result, seconds = (None, 0.0) if force else self.load_timed(key)
        if result is None:
            start = time.perf_counter()
            result = compute()
            self.save(key, point, result, seconds=time.perf_counter() - start)
        else:
            progress.reused(seconds)
        return result
