"""Where a run reads and writes: the same task code runs against a Databricks catalog or a local warehouse."""
import os
from dataclasses import dataclass, field


@dataclass
class RunContext:
    spark: object
    plan: dict
    landing_root: str
    checkpoint_root: str
    # local: a warehouse folder with Delta tables at <warehouse>/<schema>/<table>; Databricks: None (catalog tables)
    warehouse: str | None = None
    catalog: str | None = None
    run_id: str = "local"
    # Auto Loader on Databricks; the file stream source with a checkpoint locally
    auto_loader: bool = False
    progress: object = None
    metrics: dict = field(default_factory=dict)

    def table(self, qualified):
        return f"{self.catalog}.{qualified}" if self.catalog else qualified

    def checkpoint(self, path, dataset, step):
        return f"{self.checkpoint_root.rstrip('/')}/{path.lower()}/{dataset}/{step}"

    def landing(self, sub):
        return f"{self.landing_root.rstrip('/')}/{sub}"

    def say(self, message):
        if self.progress:
            self.progress(message)

    def table_location(self, qualified):
        schema, name = qualified.split(".")
        return os.path.join(self.warehouse, schema, name)
