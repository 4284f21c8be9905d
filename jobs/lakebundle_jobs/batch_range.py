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


def batch_range(spark, checkpoint, batch_id, rules):
    """A key of (the source offsets batch `batch_id` read, `rules`), or None when its offsets cannot be read.
    Batch N reads after the offset logged as N-1 through the one logged as N (Spark's offset log)."""
    cp = checkpoint.rstrip("/")
    paths = [f"{cp}/offsets/{n}" for n in (batch_id - 1, batch_id) if n >= 0]
    try:
        # wholetext: one row per file, so each file's lines stay together
        files = {r[1].rsplit("/", 1)[-1]: r[0] for r in spark.read.text(paths, wholetext=True)
                 .selectExpr("value", "_metadata.file_path").collect()}
    except Exception:  # noqa: BLE001 - an offset file not there (cleaned up): no key, merge counts itself
        return None
    offsets = [_source_offsets(files.get(str(n))) for n in (batch_id - 1, batch_id)]
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
