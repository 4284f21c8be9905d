"""Loading the engine plan that `lakebundle generate` writes to bundles/<name>/src/plan.json."""
import json

PLAN_SCHEMA_VERSION = 1


class PlanError(Exception):
    pass


def load_plan(path):
    with open(path, encoding="utf-8") as f:
        plan = json.load(f)
    if plan.get("schemaVersion") != PLAN_SCHEMA_VERSION:
        raise PlanError(
            f"plan {path} has schemaVersion {plan.get('schemaVersion')}, this engine reads {PLAN_SCHEMA_VERSION}: "
            "run `lakebundle generate` with the matching lakebundle version"
        )
    return plan
