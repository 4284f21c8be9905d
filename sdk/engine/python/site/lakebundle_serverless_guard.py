"""The serverless guard: the local engine refuses what Databricks serverless compute refuses.

Serverless compute is Spark Connect with restrictions (https://docs.databricks.com/aws/en/compute/serverless/limitations):
only Spark Connect APIs (no RDD, no sparkContext: Connect itself refuses those), no DataFrame or SQL
cache APIs, no checkpoint/localCheckpoint, and only some Spark confs may be set. A local Spark Connect
server accepts the rest, so this module makes them fail here too, naming the rule. It is installed in
the engine's client (the CP task code's driver side) and, through sitecustomize, in every Python process
the engine's server starts (where foreachBatch functions run).
"""
import json
import os
import re

# Spark confs a serverless job may set: one list for this guard and `lakebundle validate`
with open(os.path.join(os.path.dirname(__file__), "..", "..", "serverless-rules.json"), encoding="utf-8") as _f:
    ALLOWED_CONFS = frozenset(json.load(_f)["allowedConfs"])

_CACHE_SQL = re.compile(r"^\s*(CACHE|UNCACHE|CLEAR\s+CACHE)\b", re.IGNORECASE)
_installed = False


class ServerlessGuardError(RuntimeError):
    """Code that serverless compute would reject: the message names the rule."""


def _refuse(api, why):
    def refuse(*_args, **_kwargs):
        raise ServerlessGuardError(
            f"[serverless guard] {api} is not supported on Databricks serverless compute ({why}); "
            "the local engine refuses it so the bundle fails here, not on its first serverless run")
    refuse.__name__ = api
    return refuse


def install():
    """Patch the Spark Connect client classes. Idempotent."""
    global _installed
    if _installed:
        return
    from pyspark.sql.connect.catalog import Catalog
    from pyspark.sql.connect.conf import RuntimeConf
    from pyspark.sql.connect.dataframe import DataFrame
    from pyspark.sql.connect.session import SparkSession

    for name in ("cache", "persist", "unpersist"):
        setattr(DataFrame, name, _refuse(f"DataFrame.{name}()", "NOT_SUPPORTED_WITH_SERVERLESS: DataFrame cache APIs"))
    for name in ("checkpoint", "localCheckpoint"):
        setattr(DataFrame, name, _refuse(f"DataFrame.{name}()", "checkpointing a DataFrame needs cluster storage serverless does not give; write a Delta table instead"))
    for name in ("cacheTable", "uncacheTable", "clearCache"):
        setattr(Catalog, name, _refuse(f"spark.catalog.{name}()", "NOT_SUPPORTED_WITH_SERVERLESS: SQL cache APIs"))

    original_set = RuntimeConf.set

    def guarded_set(self, key, value):
        if key not in ALLOWED_CONFS:
            raise ServerlessGuardError(
                f"[serverless guard] spark.conf.set({key!r}) is not allowed on Databricks serverless compute "
                f"(CONFIG_NOT_AVAILABLE); the supported keys are {', '.join(sorted(ALLOWED_CONFS))}")
        return original_set(self, key, value)

    RuntimeConf.set = guarded_set

    original_sql = SparkSession.sql

    def guarded_sql(self, sqlQuery, *args, **kwargs):
        if isinstance(sqlQuery, str) and _CACHE_SQL.match(sqlQuery):
            raise ServerlessGuardError(
                f"[serverless guard] SQL {sqlQuery.split()[0].upper()} is not supported on Databricks serverless compute "
                "(NOT_SUPPORTED_WITH_SERVERLESS: SQL cache APIs)")
        return original_sql(self, sqlQuery, *args, **kwargs)

    SparkSession.sql = guarded_sql
    _installed = True
