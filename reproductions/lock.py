"""One run per paper and output folder at a time.

:class:`RunLock` holds an exclusive ``fcntl.flock`` on ``DIR/.PAPER.lock`` for the whole run.
The operating system releases it when the process ends in any way, SIGKILL included, so a
lock left by a killed run never blocks the next one; the file itself stays (it only names the
last holder).
"""

import fcntl
import os

__all__ = ["RunInProgress", "RunLock"]


class RunInProgress(Exception):
    """Another process is running the same paper into the same output folder."""


class RunLock:
    """Exclusive lock of one paper's output in one folder (module doc).

    Parameters
    ----------
    out_dir : the output folder (must exist)
    paper : the paper's name
    """

    def __init__(self, out_dir, paper):
        self.path = os.path.join(out_dir, f".{paper}.lock")
        self.out_dir, self.paper = out_dir, paper
        self._fd = None

    def acquire(self):
        """Take the lock, or raise RunInProgress naming the process that holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise RunInProgress(
                f"another run of {self.paper} into {self.out_dir!r} is in progress (pid "
                f"{holder}); wait for it to finish or choose another --out") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self):
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
