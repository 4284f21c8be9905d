"""Whether a stream over a Delta table has already read every version of it, so that an availableNow run
would run no batch. Starting such a query costs seconds for nothing (query start, the Python worker a
`foreachBatch` sink gets, waiting for it to end), and a scheduled CP run with nothing new starts eight.

The answer comes from the stream's own checkpoint, the state the query itself would resume from: its
latest offset must be committed (an uncommitted one is a batch to run again: a crash, a data gate) and
must sit at the start of a version the table does not have yet. Delta's source writes that offset as
{"reservoirVersion": v, "index": -1} once every version before v is read. Anything else (no checkpoint,
an offset inside a version, the table's initial snapshot still being read, an unreadable log) is "not
caught up", and the stream runs. A wrong "not caught up" costs only the query start; skipping never
moves the checkpoint, so a run with new data reads everything after it.
"""
import json
import re

from .tables import latest_version

_BATCH_FILE = re.compile(r"/(offsets|commits)/(\d+)$")


def caught_up(spark, checkpoint, table):
    """True when the stream at `checkpoint` has read every committed version of Delta table `table`."""
    cp = checkpoint.rstrip("/")
    try:
        # listing only: binaryFile's content column is not read when it is not selected
        paths = [r[0] for r in spark.read.format("binaryFile").load([f"{cp}/offsets", f"{cp}/commits"]).select("path").collect()]
    except Exception:  # noqa: BLE001 - no checkpoint (or not both logs) yet: a first run
        return False
    logs = {"offsets": set(), "commits": set()}
    for path in paths:
        m = _BATCH_FILE.search(path)
        if m:
            logs[m[1]].add(int(m[2]))
    if not logs["offsets"] or max(logs["offsets"]) not in logs["commits"]:
        return False
    latest = max(logs["offsets"])
    lines = [r[0] for r in spark.read.text(f"{cp}/offsets/{latest}").collect() if "reservoirVersion" in r[0]]
    if len(lines) != 1:
        return False
    offset = json.loads(lines[0])
    if offset.get("index") != -1 or offset.get("isStartingVersion"):
        return False
    return latest_version(spark, table) < int(offset["reservoirVersion"])
