"""Two writers MERGE into one Delta table at the same time through lakebundle's retry code (a replay during
a scheduled run). Same day: a real Delta conflict, retried and recorded; different days: none (pruning).
Prints one JSON line: rows written and conflicts recorded per scenario."""
import json
import os
import sys
import threading

from pyspark.sql import SparkSession

from lakebundle_jobs import conflicts
from lakebundle_jobs.silver import merge_sql

url, warehouse = sys.argv[1], sys.argv[2]
TABLE, CONFLICTS = "spark_catalog.race.events", "spark_catalog.race.write_conflicts"
SILVER = {"table": TABLE, "dedup": {"keys": ["event_id"], "sequenceBy": "event_time"}}
ROUNDS = 4


# every session stays referenced until the process ends: a Connect session closed by the garbage
# collector (SparkSession.__del__) can deadlock in grpc's channel close while other threads use the server
SESSIONS = []


def session():
    SESSIONS.append(SparkSession.builder.remote(url).create())
    return SESSIONS[-1]


def setup(spark):
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS spark_catalog.race LOCATION '{warehouse}/race'")
    spark.sql(f"DROP TABLE IF EXISTS {TABLE}")
    spark.sql(f"CREATE TABLE {TABLE} (event_id STRING, event_time TIMESTAMP, _event_date DATE) USING DELTA "
              f"PARTITIONED BY (_event_date) LOCATION '{warehouse}/race/events_{scenario}'")
    spark.sql(f"CREATE TABLE IF NOT EXISTS {CONFLICTS} ({conflicts.CONFLICTS_DDL}) USING DELTA LOCATION '{warehouse}/race/write_conflicts'")


def writer(name, day, barrier, errors):
    spark = session()
    try:
        for i in range(ROUNDS):
            rows = [(f"{name}-{i}-{k}", f"{day} 10:00:00") for k in range(200)]
            spark.createDataFrame(rows, "event_id STRING, t STRING").selectExpr(
                "event_id", "CAST(t AS TIMESTAMP) AS event_time", "to_date(CAST(t AS TIMESTAMP)) AS _event_date"
            ).createOrReplaceTempView("batch")
            barrier.wait()
            conflicts.with_retry(spark, CONFLICTS, f"race-{scenario}", TABLE, f"merge {name}",
                                 lambda: spark.sql(merge_sql(SILVER, "batch", [day])).collect())
    except Exception as err:  # noqa: BLE001
        errors.append(repr(err))
        barrier.abort()


out = {}
for scenario, days in (("same_day", ("2026-10-05", "2026-10-05")), ("other_days", ("2026-10-05", "2026-10-06"))):
    main = session()
    setup(main)
    barrier, errors = threading.Barrier(2), []
    threads = [threading.Thread(target=writer, args=(n, d, barrier, errors)) for n, d in zip(("scheduled", "replay"), days)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recorded = main.sql(f"SELECT exception_class, outcome, count(*) AS n FROM {CONFLICTS} WHERE run_id = 'race-{scenario}' GROUP BY ALL").collect()
    out[scenario] = {"rows": main.table(TABLE).count(), "expected": 2 * ROUNDS * 200, "errors": errors,
                     "conflicts": [r.asDict() for r in recorded]}
print(json.dumps(out), flush=True)
os._exit(0)  # no finalizers: the sessions' channels are closed by the process ending
