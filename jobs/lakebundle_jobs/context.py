"""Where a run reads and writes: the same task code runs against a Databricks catalog or a local warehouse."""
import os
from dataclasses import dataclass, field


@dataclass
class RunContext:
    spark: object
    # the plan with every table name bound to <catalog>.<schema>.<table> (see plan.load_plan)
    plan: dict
    landing_root: str
    checkpoint_root: str
    catalog: str
    # local: a warehouse folder with Delta tables at <warehouse>/<schema>/<table>; Databricks: None (managed tables)
    warehouse: str | None = None
    run_id: str = "local"
    # Auto Loader on Databricks; the file stream source with a checkpoint locally
    auto_loader: bool = False
    progress: object = None
    # replay window {"from", "to", "sources"} (job parameters replay_from/replay_to/replay_sources), or None
    replay: dict | None = None
    # driver-side only: batch functions report through the ops table (see ops.py)
    metrics: dict = field(default_factory=dict)
    # per-batch progress of the task's finished streams, written with its task row (see run_log.py)
    stream_progress: list = field(default_factory=list)
    # tables this run knows exist, per `catalog.schema` listed once (see tables.ensure_table): every task
    # prepares its path's tables, and one CREATE ... IF NOT EXISTS per table per task costs seconds per run
    known_tables: dict = field(default_factory=dict)
    # schemas this run created or found (locally; nothing in a run drops one)
    known_schemas: set = field(default_factory=set)
    # existing tables whose later-added columns this run checked (see tables.TableSpec.added_columns)
    evolved_tables: set = field(default_factory=set)
    # what one task read once for all its streams (see forget.manifest_line_expr); each task starts with
    # none, as on Databricks, where every task is a process of its own
    task_memo: dict = field(default_factory=dict)

    def checkpoint(self, path, dataset, step):
        return f"{self.checkpoint_root.rstrip('/')}/{path.lower()}/{dataset}/{step}"

    def landing(self, sub):
        return f"{self.landing_root.rstrip('/')}/{sub}"

    def say(self, message):
        """Progress for people: tables read as <schema>.<table> (the catalog is the same for all)."""
        if self.progress:
            self.progress(message.replace(f"{self.catalog}.", ""))

    def table_location(self, name):
        _, schema, table = split_name(name)
        return os.path.join(self.warehouse, schema, table)


def split_name(name):
    """`catalog.schema.table` → its three parts; anything else is a plan bug worth stopping for."""
    parts = name.split(".")
    if len(parts) != 3:
        raise ValueError(f"table name {name!r} is not catalog-qualified (<catalog>.<schema>.<table>)")
    return parts
