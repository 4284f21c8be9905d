"""Creating and registering Delta tables, so plan SQL can name them as <schema>.<table> on any engine."""
import os


def ensure_table(ctx, qualified, ddl_columns, partition_by=None):
    """Create the Delta table if missing; locally it lives at <warehouse>/<schema>/<table>."""
    spark = ctx.spark
    ensure_schema(ctx, qualified.split(".")[0])
    partition = f" PARTITIONED BY ({partition_by})" if partition_by else ""
    location = f" LOCATION '{ctx.table_location(qualified)}'" if ctx.warehouse else ""
    spark.sql(f"CREATE TABLE IF NOT EXISTS {ctx.table(qualified)} ({ddl_columns}) USING DELTA{partition}{location}")


def ensure_schema(ctx, schema):
    if ctx.catalog:
        ctx.spark.sql(f"CREATE SCHEMA IF NOT EXISTS {ctx.catalog}.{schema}")
    else:
        ctx.spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema} LOCATION '{os.path.join(ctx.warehouse, schema)}'")


def register_existing(ctx):
    """Local sessions start with an empty catalog: register every Delta table found in the warehouse."""
    if not ctx.warehouse or not os.path.isdir(ctx.warehouse):
        return
    for schema in sorted(os.listdir(ctx.warehouse)):
        schema_dir = os.path.join(ctx.warehouse, schema)
        if schema.startswith("_") or "." in schema or not os.path.isdir(schema_dir):
            continue
        ensure_schema(ctx, schema)
        for name in sorted(os.listdir(schema_dir)):
            if os.path.isdir(os.path.join(schema_dir, name, "_delta_log")):
                ctx.spark.sql(f"CREATE TABLE IF NOT EXISTS {schema}.{name} USING DELTA LOCATION '{os.path.join(schema_dir, name)}'")


def table_exists(ctx, qualified):
    return ctx.spark.catalog.tableExists(ctx.table(qualified))


def row_count(ctx, qualified):
    return ctx.spark.table(ctx.table(qualified)).count() if table_exists(ctx, qualified) else 0
