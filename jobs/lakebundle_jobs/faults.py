"""Crash points for the local engine's fault tests: inert unless LAKEBUNDLE_CRASH_AT names the point.

A crash is `kill -9` of the engine's JVM (the Spark driver: every task, stream and commit in flight dies
with it) and then of this process, as a machine loss would. It fires once per marker file, so the
rerun that follows (same environment) goes through.
"""
import os
import signal
import threading
import time


def _armed(point):
    if os.environ.get("LAKEBUNDLE_CRASH_AT") != point:
        return False
    marker = os.environ.get("LAKEBUNDLE_CRASH_MARKER")
    if not marker:
        return True
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.write(fd, point.encode())
    os.close(fd)
    return True


def _engine_pid():
    """The JVM: given to the client by the runtime; a batch process finds it among its ancestors."""
    pid = os.environ.get("LAKEBUNDLE_ENGINE_PID")
    if pid:
        return int(pid)
    p = os.getpid()
    while p > 1:
        with open(f"/proc/{p}/stat", encoding="utf-8") as f:
            p = int(f.read().rsplit(")", 1)[1].split()[1])
        with open(f"/proc/{p}/comm", encoding="utf-8") as f:
            if f.read().strip() == "java":
                return p
    raise RuntimeError("crash point: no engine JVM found")


def _kill_all():
    jvm = _engine_pid()
    # the JVM leads its own process group (the runtime starts it detached): killing the group takes its
    # foreachBatch Python workers with it, as a machine loss would, instead of leaving them orphaned
    if os.getpgid(jvm) == jvm:
        os.killpg(jvm, signal.SIGKILL)
    else:
        os.kill(jvm, signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def crash_point(point):
    """Kill the engine here, now."""
    if _armed(point):
        _kill_all()


def crash_when_files_appear(point, directory, suffix=".parquet"):
    """Kill the engine as soon as a new data file appears under `directory`: the write is under way and
    its Delta commit not yet made (data files are written first, the commit last)."""
    if not _armed(point):
        return
    before = set(_files(directory, suffix))

    def watch():
        while True:
            if set(_files(directory, suffix)) - before:
                _kill_all()
            time.sleep(0.005)

    threading.Thread(target=watch, daemon=True).start()


def _files(directory, suffix):
    out = []
    for dirpath, _, names in os.walk(directory):
        if "_delta_log" in dirpath:
            continue
        out += [os.path.join(dirpath, n) for n in names if n.endswith(suffix)]
    return out
