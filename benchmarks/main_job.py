"""The main job, timed cold: ``python -m reproductions all --scale quick`` as a new user meets it.

    python benchmarks/main_job.py [--scale quick] [--papers all] [--json FILE] [--keep DIR]
                                  [--load]

One fresh, empty ``--out`` directory in a new temporary folder, so every standalone project is
built and compiled from scratch (builds live in ``--out/.build``) and no saved point is
reused. The reproductions run exactly as the README's command runs them, in one process; the
script only watches.

Reported, per paper and for the whole run:
* wall time: per paper the ``seconds`` of its summary.json (the CLI's own clock around the
  paper), and the whole command's wall time measured here;
* peak memory: the largest summed proportional set size (PSS) of the whole process tree (the
  CLI, its worker processes and the compiled binaries), sampled every 0.2 s from /proc and
  attributed to the paper that was running;
* cores busy: CPU time of the process tree during the paper over its wall time (2.0 = both
  cores busy throughout);
* checks passed / total.

Brian2 caches: standalone builds are in the fresh ``--out``; the runtime-mode Cython cache
(``~/.cython/brian_extensions``, unused by the reproductions, which run standalone or on the
numpy target) is reported with its size. ``--load`` runs one CPU-bound process beside the job
(a busy loop, like ``yes > /dev/null``) to measure how the job behaves on a busy machine.

The machine (CPU model, cores, Python, Brian2, numpy) is recorded with the results.
"""

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def process_tree(pid):
    """{pid: fields of /proc/PID/stat after the command name} of ``pid`` and its
    descendants."""
    children, stats = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        stats[int(entry)] = fields
    tree, stack = {}, [pid]
    while stack:
        p = stack.pop()
        stack += children.get(p, [])
        if p in stats:
            tree[p] = stats[p]
    return tree


def tree_pss_mb(pid):
    """Summed proportional set size (MB) of process ``pid`` and all its descendants, from
    /proc (PSS: pages shared between forked workers count once in the sum, not per worker)."""
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
    return total / 2**10


def tree_cpu_seconds(pid):
    """CPU time (user + system, s) used so far by process ``pid`` and its descendants: the
    live processes' own times plus what their finished children left in cutime/cstime."""
    ticks = sum(sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
                for fields in process_tree(pid).values())
    return ticks / os.sysconf("SC_CLK_TCK")


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = subprocess.run(
        [sys.executable, "-c", "import brian2, numpy, scipy; print(brian2.__version__, "
         "numpy.__version__, scipy.__version__)"], capture_output=True, text=True).stdout.split()
    return dict(cpu=cpu, cores=os.cpu_count(), python=platform.python_version(),
                brian2=versions[0] if versions else None,
                numpy=versions[1] if len(versions) > 1 else None,
                scipy=versions[2] if len(versions) > 2 else None)


def cython_cache():
    path = os.path.expanduser("~/.cython/brian_extensions")
    if not os.path.isdir(path):
        return dict(path=path, exists=False)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)
    return dict(path=path, exists=True, MB=round(size / 2**20, 1))


def busy_loop():
    while True:
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="quick")
    parser.add_argument("--papers", default="all", help="'all' or one paper")
    parser.add_argument("--json", default=None, help="write the results here as JSON")
    parser.add_argument("--keep", default=None,
                        help="copy the results (figures, tables, summary.json) to this folder")
    parser.add_argument("--load", action="store_true",
                        help="run one CPU-bound process beside the job")
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="bm_main_job_")
    out = os.path.join(workdir, "results")  # does not exist yet: a cold, empty --out
    command = [sys.executable, "-m", "reproductions", args.papers, "--scale", args.scale,
               "--out", out]
    load = None
    if args.load:
        import multiprocessing

        load = multiprocessing.Process(target=busy_loop, daemon=True)
        load.start()
    print(f"main job, cold: {' '.join(command[1:])}\n  out: {out}", flush=True)
    cache = cython_cache()
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, bufsize=1)
    peaks, current, lock = {}, ["(start-up)"], threading.Lock()
    cpu_marks = [0.0]  # tree CPU time at each paper's end
    done = threading.Event()

    def sample():
        while not done.is_set():
            mb = tree_pss_mb(proc.pid)
            with lock:
                peaks[current[0]] = max(peaks.get(current[0], 0.0), mb)
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    finished = re.compile(r"^(\w+): (\d+)/(\d+) checks passed")
    lines = []
    for line in proc.stdout:
        lines.append(line)
        sys.stdout.write("  | " + line)
        sys.stdout.flush()
        m = finished.match(line)
        if m:
            cpu_marks.append(tree_cpu_seconds(proc.pid))
            with lock:  # the next paper starts now
                peaks[m.group(1)] = max(peaks.get(m.group(1), 0.0), peaks.pop(current[0], 0.0))
                current[0] = "(next)"
    rc = proc.wait()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if load is not None:
        load.terminate()

    papers = []
    for k, line in enumerate(line for line in lines if finished.match(line)):
        m = finished.match(line)
        paper = m.group(1)
        with open(os.path.join(out, paper, "summary.json")) as f:
            summary = json.load(f)
        papers.append(dict(paper=paper, seconds=summary["seconds"],
                           checks_passed=int(m.group(2)), checks=int(m.group(3)),
                           peak_MB=round(peaks.get(paper, float("nan")), 0),
                           cores_busy=round((cpu_marks[k + 1] - cpu_marks[k])
                                            / summary["seconds"], 2)))
    result = dict(command=" ".join(["python"] + command[1:]), scale=args.scale, cold=True,
                  load=args.load, exit_code=rc, wall_seconds=round(wall, 1), papers=papers,
                  cython_cache_before=cache, machine=machine(),
                  date=time.strftime("%Y-%m-%d %H:%M"))
    print(f"\n{'paper':12s} {'seconds':>8s} {'peak MB':>8s} {'cores':>6s} checks")
    for p in papers:
        print(f"{p['paper']:12s} {p['seconds']:8.0f} {p['peak_MB']:8.0f} "
              f"{p['cores_busy']:6.2f} {p['checks_passed']}/{p['checks']}")
    beside = ", with one busy process beside it" if args.load else ""
    print(f"{'whole run':12s} {wall:8.0f}   (exit code {rc}{beside})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    if args.keep:
        shutil.copytree(out, args.keep, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".build", ".points", "points", ".*.lock"))
    shutil.rmtree(workdir, ignore_errors=True)
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
