"""Creating and registering Delta tables. Names are always <catalog>.<schema>.<table>."""
import os
from collections.abc import Callable
from dataclasses import dataclass

from .context import split_name
from .side_by_side import each


@dataclass(frozen=True)
class TableSpec:
    name: str
    # the column DDL, or a function giving it (called only when the table is created)
    columns: str | Callable[[], str]
    partition_by: str | None = None
    properties: dict | None = None
    # columns (one DDL each, also in `columns`) added after tables of this spec were first deployed: a table
    # created before lacks them and gets them once (ALTER TABLE ADD COLUMNS) before anything writes them;
    # writes with mergeSchema instead would race: side-by-side streams changing the metadata conflict
    added_columns: tuple = ()


def ensure_table(ctx, name, ddl_columns, partition_by=None, properties=None):
    ensure_tables(ctx, [TableSpec(name, ddl_columns, partition_by, properties)])


def ensure_tables(ctx, specs):
    """Create the missing Delta tables; locally each lives at <warehouse>/<schema>/<table>. A table this
    run has seen listed or created is not created again (nothing in a run drops one). Listing and schemas
    go one by one; the CREATEs of distinct tables go side by side: on a first run each is
    about 0.4 s of Delta log and metastore round trips, and a run creates twenty."""
    missing = list({s.name: s for s in specs if s.name not in _known(ctx, s.name)}.values())
    for spec in missing:
        ensure_schema(ctx, spec.name)
    each(lambda spec: _create(ctx, spec), missing)
    for spec in specs:
        if spec.added_columns and spec.name not in ctx.evolved_tables:
            _add_columns(ctx, spec)


def _add_columns(ctx, spec):
    have = {f.name.lower() for f in ctx.spark.table(spec.name).schema.fields}
    lacking = [c for c in spec.added_columns if c.split()[0].strip("`").lower() not in have]
    if lacking:
        ctx.spark.sql(f"ALTER TABLE {spec.name} ADD COLUMNS ({', '.join(lacking)})")
    ctx.evolved_tables.add(spec.name)


def _create(ctx, spec):
    columns = spec.columns() if callable(spec.columns) else spec.columns
    partition = f" PARTITIONED BY ({spec.partition_by})" if spec.partition_by else ""
    location = f" LOCATION '{ctx.table_location(spec.name)}'" if ctx.warehouse else ""
    pairs = ", ".join(f"'{k}' = '{v}'" for k, v in sorted((spec.properties or {}).items()))
    props = f" TBLPROPERTIES ({pairs})" if pairs else ""
    ctx.spark.sql(f"CREATE TABLE IF NOT EXISTS {spec.name} ({columns}) USING DELTA{partition}{location}{props}")
    ctx.known_tables[_schema_of(spec.name)].add(spec.name)
    ctx.evolved_tables.add(spec.name)


def _schema_of(name):
    catalog, schema, _ = split_name(name)
    return f"{catalog}.{schema}"


def _known(ctx, name):
    """The tables of `name`'s schema, listed once per run (none while the schema does not exist)."""
    schema = _schema_of(name)
    if schema not in ctx.known_tables:
        try:
            rows = ctx.spark.sql(f"SHOW TABLES IN {schema}").collect()
        except Exception:  # noqa: BLE001 - a schema not created yet holds no table
            rows = []
        ctx.known_tables[schema] = {f"{schema}.{r['tableName']}" for r in rows if not r["isTemporary"]}
    return ctx.known_tables[schema]


def ensure_schema(ctx, name):
    """Locally, the schema of table `name` at <warehouse>/<schema>. On Databricks the bundle's schema
    resources own the schemas (and their grants): the task never creates one."""
    if not ctx.warehouse or _schema_of(name) in ctx.known_schemas:
        return
    catalog, schema, _ = split_name(name)
    ctx.spark.sql(f"CREATE SCHEMA IF NOT EXISTS {catalog}.{schema} LOCATION '{os.path.join(ctx.warehouse, schema)}'")
    ctx.known_schemas.add(_schema_of(name))


def register_existing(spark, warehouse, catalog):
    """Local sessions start with an empty catalog: register every Delta table found in the warehouse."""
    if not warehouse or not os.path.isdir(warehouse):
        return
    for schema in sorted(os.listdir(warehouse)):
        schema_dir = os.path.join(warehouse, schema)
        if schema.startswith("_") or "." in schema or not os.path.isdir(schema_dir):
            continue
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {catalog}.{schema} LOCATION '{schema_dir}'")
        for name in sorted(os.listdir(schema_dir)):
            if os.path.isdir(os.path.join(schema_dir, name, "_delta_log")):
                spark.sql(f"CREATE TABLE IF NOT EXISTS {catalog}.{schema}.{name} USING DELTA LOCATION '{os.path.join(schema_dir, name)}'")


def table_exists(ctx, name):
    """Known to this run (listed or created: nothing in a run drops a table), else asked of the catalog:
    each ask is a metastore round trip, and a run's summary and records ask about every table."""
    return name in ctx.known_tables.get(_schema_of(name), ()) or ctx.spark.catalog.tableExists(name)


def latest_version(spark, name):
    """The table's latest Delta version (its newest commit)."""
    return int(spark.sql(f"DESCRIBE HISTORY {name} LIMIT 1").collect()[0]["version"])


def row_count(ctx, name):
    return ctx.spark.table(name).count() if table_exists(ctx, name) else 0
