"""The local engine's SparkSession: Delta configured, jars from the project cache, UTC, quiet."""
import glob
import os


def local_spark(jars_dir, warehouse, app="lakebundle-local", shuffle_partitions=4):
    from pyspark.sql import SparkSession

    jars = sorted(glob.glob(os.path.join(jars_dir, "*.jar")))
    if not jars:
        raise RuntimeError(f"no Delta jars in {jars_dir}: run `lakebundle engine setup`")
    # log level through log4j, not sparkContext (which serverless and Spark Connect do not have)
    config = os.environ.get("LAKEBUNDLE_LOG4J", "")
    log4j = f"-Dlog4j2.configurationFile=file:{config}" if config else ""
    spark = (SparkSession.builder.master("local[2]").appName(app)
             .config("spark.jars", ",".join(jars))
             .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
             .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.warehouse.dir", os.path.abspath(warehouse))
             .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", os.environ.get("LAKEBUNDLE_DRIVER_MEMORY", "2g"))
             .config("spark.databricks.delta.snapshotPartitions", "2")
             .config("spark.sql.streaming.stopActiveRunOnRestart", "true")
             .config("spark.driver.extraJavaOptions", log4j)
             .getOrCreate())
    return spark
