"""What one micro-batch of a stream over bronze read, as a key two streams can compare.

CP's validate and merge steps are two streams over the same bronze table, each with its own checkpoint.
A merge batch needs the event dates of its valid rows (they prune the dedup MERGE); validate's batch
already computed them in its counting pass. When both batches read the same bronze offsets with the same
rules, they saw the same rows: bronze versions never change, and the parse, the validity predicate and the
deletion manifest's filter are part of the key. Any difference (a stream started at another version, a
re-planned batch, a changed plan or manifest) gives another key, and merge counts its own dates.
"""
import hashlib
import json


def checkpoint_files(spark, checkpoint, batch_id):
    """{"metadata", "offsets/<N-1>", "offsets/<N>": text} of a stream's checkpoint while batch N runs, in
    one read (each read is a Spark job, queued behind the other streams' work); only "metadata" when the
    offset files cannot be read."""
    cp = checkpoint.rstrip("/")
    names = ["metadata"] + [f"offsets/{n}" for n in (batch_id - 1, batch_id) if n >= 0]
    try:
        # wholetext: one row per file, so each file's lines stay together
        rows = spark.read.text([f"{cp}/{n}" for n in names], wholetext=True).selectExpr("value", "_metadata.file_path").collect()
    except Exception:  # noqa: BLE001 - an offset file not there (cleaned up): no range, merge counts itself
        rows = spark.read.text(f"{cp}/metadata", wholetext=True).selectExpr("value", "_metadata.file_path").collect()
    return {_name(path): text for text, path in rows}


def _name(path):
    parts = path.rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) > 1 and parts[-2] == "offsets" else parts[-1]


def batch_range(files, batch_id, rules):
    """A key of (the source offsets batch `batch_id` read, `rules`), from its checkpoint_files; None when they
    lack its offsets. Batch N reads after the offset logged as N-1 through the one logged as N (Spark's
    offset log)."""
    offsets = [_source_offsets(files.get(f"offsets/{n}")) for n in (batch_id - 1, batch_id)]
    if offsets[1] is None or (batch_id > 0 and offsets[0] is None):
        return None
    key = json.dumps({"from": offsets[0], "to": offsets[1], "rules": rules}, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()


def _source_offsets(text):
    """The source offset lines of one offset log file (after its version line and batch metadata)."""
    if text is None:
        return None
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[2:] if len(lines) > 2 else None
