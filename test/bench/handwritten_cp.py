"""Baseline for `npm run bench`: the smallest hand-written PySpark job doing what the CP path does
(bronze ingest of every source → validity filter → dedup MERGE by event_id → daily billing gold),
as a Spark Connect client of an engine started like lakebundle's (same server, same configuration).
Prints JSON: {seconds, lines}."""
import json
import os
import sys
import time

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

url, landing, warehouse = sys.argv[1], sys.argv[2], sys.argv[3]
spark = SparkSession.builder.remote(url).getOrCreate()
started = time.time()
lines = 0
for source in ("audit_logs", "job_events", "billing_usage", "cluster_metrics"):
    raw = (spark.read.format("text").option("recursiveFileLookup", "true").load(f"{landing}/{source}")
           .selectExpr("value AS _raw", "_metadata.file_path AS _source_file", "current_timestamp() AS _ingested_at"))
    raw.write.format("delta").mode("append").save(f"{warehouse}/bronze/{source}")
    bronze = spark.read.format("delta").load(f"{warehouse}/bronze/{source}")
    lines += bronze.count()
    parsed = bronze.selectExpr(
        "from_json(_raw, 'event_id STRING, event_time STRING, region STRING, workspace_id STRING, account_id STRING, sku STRING, dbus DECIMAL(38,6)') AS r"
    ).selectExpr("r.event_id", "try_to_timestamp(r.event_time) AS event_time", "r.region", "r.workspace_id", "r.account_id", "r.sku", "r.dbus")
    valid = parsed.where("event_id IS NOT NULL AND event_id <> '' AND event_time IS NOT NULL AND region IN ('us-east-1','us-west-2','eu-west-1')")
    if source == "billing_usage":
        valid = valid.where("dbus IS NOT NULL AND dbus >= 0")
    target = f"{warehouse}/silver/{source}"
    valid.limit(0).write.format("delta").mode("ignore").save(target)
    valid.dropDuplicates(["event_id"]).createOrReplaceTempView("s")
    spark.sql(f"MERGE INTO delta.`{target}` t USING s ON t.event_id = s.event_id WHEN NOT MATCHED THEN INSERT *")
(spark.read.format("delta").load(f"{warehouse}/silver/billing_usage")
 .selectExpr("to_date(event_time) AS usage_date", "account_id", "workspace_id", "sku", "dbus")
 .groupBy("usage_date", "account_id", "workspace_id", "sku")
 .agg(F.sum("dbus").cast("decimal(38,6)").alias("total_dbus"), F.count("*").alias("event_count"))
 .write.format("delta").mode("overwrite").save(f"{warehouse}/gold/billing_daily"))
seconds = time.time() - started
print(json.dumps({"seconds": seconds, "lines": lines}))
