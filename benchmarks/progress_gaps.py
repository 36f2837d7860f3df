"""The longest silence of a command run in a terminal: does it report progress every 30 s?

    python benchmarks/progress_gaps.py [--json FILE] [--log FILE] -- python -m reproductions all --out DIR

The command runs in a pseudo-terminal (as from a shell: stdout and stderr are a tty), every
line it writes is time-stamped on arrival, and the report gives the wall time, the number of
lines, the longest gap between two lines (and between the start and the first line) with the
lines on either side, and the exit code.
"""

import argparse
import json
import os
import pty
import select
import subprocess
import sys
import time


def run(command, log=None):
    """(exit code, [(seconds since start, line)]) of ``command`` run in a pseudo-terminal."""
    master, slave = pty.openpty()
    start = time.monotonic()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                               close_fds=True)
    os.close(slave)
    lines, pending = [], b""
    out = open(log, "w") if log else None
    while True:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the command ended
                chunk = b""
            if not chunk:
                break
            pending += chunk
            *complete, pending = pending.replace(b"\r", b"\n").split(b"\n")
            now = time.monotonic() - start
            for raw in complete:
                if raw.strip():
                    text = raw.decode(errors="replace")
                    lines.append((now, text))
                    if out:
                        out.write(f"{now:9.1f}  {text}\n")
                        out.flush()
        elif process.poll() is not None:
            break
    process.wait()
    os.close(master)
    if out:
        out.close()
    return process.returncode, lines, time.monotonic() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the result to this file")
    parser.add_argument("--log", help="write the time-stamped lines to this file")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    code, lines, wall = run(command, args.log)
    stamps = [0.0] + [t for t, _ in lines] + [wall]
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    worst = max(range(len(gaps)), key=gaps.__getitem__)
    before = lines[worst - 1][1] if worst > 0 else "(start)"
    after = lines[worst][1] if worst < len(lines) else "(end)"
    result = {"command": command, "exit_code": code, "wall_s": round(wall, 1),
              "lines": len(lines), "longest_gap_s": round(gaps[worst], 1),
              "gap_after": before, "gap_before": after}
    print(json.dumps(result, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
