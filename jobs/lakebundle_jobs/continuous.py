"""The AP pipeline in continuous mode, as its bundle deploys it (`continuous: true`): its streaming
tables run as long-lived streams that pick up each landed file within a trigger interval, and each
materialized view is recomputed as soon as a stream feeding it commits a batch.

As there, a view is recomputed only when a table it reads changed ("pipelines automatically monitor
dependent Delta tables and perform an update only when [their] contents ... have changed",
https://docs.databricks.com/aws/en/ldp/concepts/pipeline-mode). A change is a new commit of the table,
seen as soon as it is made (not when the batch that made it ends). A view reads its own silver table and,
for its completeness flags, the region watermarks over every silver table: a change to another table
recomputes it only when those watermarks moved, since nothing else of that table reaches it.
Long-lived queries also keep their foreachBatch Python process warm: a repeated availableNow update
starts one per flow every time, which is most of its latency on small data.
"""
import os
import threading
import time
from dataclasses import dataclass, field

from . import gold as gold_steps
from . import ingest as ingest_steps
from . import run_log
from . import silver as silver_steps
from .tables import latest_version
from .tasks import prepare


@dataclass
class Flow:
    kind: str  # "bronze" | "silver"
    table: str
    query: object
    job: object = None
    silver: dict | None = None
    # batches run since the flow started, and the last one's id
    batches: int = 0
    last_batch: int | None = None
    last_batch_ms: int | None = None


@dataclass
class ContinuousUpdate:
    ctx: object
    flows: list
    # gold table -> silver table it reads
    gold: dict
    poll_seconds: float
    refreshes: dict = field(default_factory=dict)
    refreshed_at: dict = field(default_factory=dict)
    refresh_ms: dict = field(default_factory=dict)
    # silver table -> the version last seen; gold table -> the watermarks its last refresh reflects
    versions: dict = field(default_factory=dict)
    watermarks: dict = field(default_factory=dict)
    error: BaseException | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def status(self):
        """What ran so far; raises the error that stopped a flow (a data gate, an engine error)."""
        if self.error:
            raise self.error
        local = lambda name: name.removeprefix(f"{self.ctx.catalog}.")  # noqa: E731 - names as summaries print them
        return {
            "flows": [{"kind": f.kind, "table": local(f.table), "batches": f.batches, "lastBatchMs": f.last_batch_ms, "active": _active(f.query)}
                      for f in self.flows],
            "gold": {local(t): {"refreshes": self.refreshes.get(t, 0), "refreshedAt": self.refreshed_at.get(t), "lastRefreshMs": self.refresh_ms.get(t)}
                     for t in sorted(self.gold)},
        }

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join()
        for f in self.flows:
            try:
                f.query.stop()
            except Exception:  # noqa: BLE001 - stopping the rest matters more than one query's stop error
                pass


def start(ctx, trigger_seconds=1.0, poll_seconds=0.5):
    """Start every AP flow as a long-lived stream, then refresh the views their batches change."""
    path = ctx.plan["paths"].get("AP")
    if not path:
        raise ValueError("this bundle has no AP path to run continuously")
    prepare(ctx, "AP")
    trigger = {"processingTime": f"{trigger_seconds} seconds"}
    flows = []
    try:
        for b in path["bronze"]:
            flows.append(Flow("bronze", b["table"], ingest_steps.start_ap(ctx, b, trigger)))
        for s in path["silver"]:
            job, query = silver_steps.start_step(ctx, "AP", s, "silver", trigger)
            flows.append(Flow("silver", s["table"], query, job=job, silver=s))
    except BaseException:
        for f in flows:
            f.query.stop()
        raise
    update = ContinuousUpdate(ctx=ctx, flows=flows, gold={g["table"]: g for g in path["gold"]}, poll_seconds=poll_seconds)
    # every view once at start (the streams may have caught up with files landed while nothing ran)
    update._thread = threading.Thread(target=_refresh_loop, args=(update, set(update.gold)), daemon=True)
    update._thread.start()
    return update


def _refresh_loop(update, dirty):
    while not update._stop.is_set():
        try:
            for f in update.flows:
                if not f.query.isActive:
                    update.error = _flow_error(update.ctx, f)
                    update._stop.set()
                    return
                ran = run_log.batches_ran(f.query.recentProgress)
                new = [b for b in ran if f.last_batch is None or b > f.last_batch]
                if new:
                    f.last_batch = max(new)
                    f.batches += len(new)
                    f.last_batch_ms = ran[f.last_batch]
            _refresh_changed(update, dirty)
            dirty = set()
        except BaseException as err:  # noqa: BLE001 - reported by status(); the streams are stopped by stop()
            update.error = err
            update._stop.set()
            return
        update._stop.wait(update.poll_seconds)


def _refresh_changed(update, dirty):
    """Recompute the views whose silver table changed (and `dirty`) first: they are what a landed file
    is waiting for. Then those that read a changed table only through the watermarks, if these moved."""
    ctx = update.ctx
    reads = {t: _watermark_tables(g) | {g["silverTable"]} for t, g in update.gold.items()}
    versions = {t: _version(ctx, t) for t in sorted(set().union(*reads.values()))}
    changed = {t for t, v in versions.items() if update.versions.get(t) != v}
    own = {t for t, g in update.gold.items() if g["silverTable"] in changed} | set(dirty)
    for table in sorted(own):
        _refresh(update, table)
    if changed:
        found = {}
        for table in sorted(update.gold):
            g = update.gold[table]
            if not _watermark_tables(g):
                continue
            key = (g["completeness"]["watermarkSql"], tuple(g["completeness"]["watermarkTables"]))
            if key not in found:
                found[key] = _watermarks_at(ctx, g["completeness"], versions)
            # a view refreshed above read these versions or later ones: a later move shows as a change next time
            if table not in own and (reads[table] & changed) and update.watermarks.get(table) != found[key]:
                _refresh(update, table)
            update.watermarks[table] = found[key]
    update.versions.update(versions)


def _refresh(update, table):
    t0 = time.monotonic()
    gold_steps.refresh_live(update.ctx, update.gold[table])
    update.refresh_ms[table] = int((time.monotonic() - t0) * 1000)
    update.refreshes[table] = update.refreshes.get(table, 0) + 1
    update.refreshed_at[table] = time.time()


def _watermark_tables(gold):
    return set((gold.get("completeness") or {}).get("watermarkTables") or [])


def _version(ctx, table):
    """The table's latest version. Locally, from its log's file names: a listing, where DESCRIBE HISTORY
    is a Spark job, and the loop asks twice a second for every silver table."""
    if not ctx.warehouse:
        return latest_version(ctx.spark, table)
    log = os.path.join(ctx.table_location(table), "_delta_log")
    commits = [int(n[:-5]) for n in os.listdir(log) if n.endswith(".json") and n[:-5].isdigit()] if os.path.isdir(log) else []
    return max(commits, default=-1)


def _watermarks_at(ctx, completeness, versions):
    """The region watermarks of the views' completeness flags, over the watermark tables at `versions`."""
    relations = [f"{t} VERSION AS OF {versions[t]}" if versions[t] >= 0 else t for t in completeness["watermarkTables"]]
    rows = ctx.spark.sql(gold_steps.watermark_sql(completeness, relations)).collect()
    return sorted((r["region"], r["watermark"]) for r in rows)


def _active(query):
    try:
        return bool(query.isActive)
    except Exception:  # noqa: BLE001
        return False


def _flow_error(ctx, flow):
    """Why a flow stopped: the data gate its batch function recorded, else the stream's own error."""
    if flow.silver is not None:
        gate = silver_steps.stopped_by_gate(ctx, flow.job, flow.silver)
        if gate:
            return gate
    err = flow.query.exception()
    return RuntimeError(f"AP flow {flow.table} stopped: {err}" if err else f"AP flow {flow.table} stopped")
