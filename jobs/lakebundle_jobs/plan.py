"""Loading the engine plan that `lakebundle generate` writes to bundles/<name>/src/plan.json.

Table names in the plan are templates: `${lakebundle.catalog}.${lakebundle.schema.<logical>}.<table>`.
The deployed job fills them from task parameters (the catalog job parameter and the bundle's schema
resources, which development mode prefixes per user); the local engine fills them with its own catalog
and the logical schema names. The same placeholders are pipeline configuration keys in the Lakeflow SQL.
"""
import json
import re

PLAN_SCHEMA_VERSION = 3
_PLACEHOLDER = re.compile(r"\$\{(lakebundle\.[A-Za-z0-9_.]+)\}")


class PlanError(Exception):
    pass


def plan_parameters(catalog, schemas):
    """Placeholder values: `lakebundle.catalog` and `lakebundle.schema.<logical>` for each schema."""
    params = {"lakebundle.catalog": catalog}
    params.update({f"lakebundle.schema.{logical}": name for logical, name in schemas.items()})
    return params


def bind(value, params):
    """Fill every placeholder in strings nested in `value`; an unknown one is an error naming the fix."""
    if isinstance(value, str):
        def fill(m):
            if m.group(1) not in params:
                raise PlanError(f"the plan references ${{{m.group(1)}}} but the task was given no value for it: "
                                "pass --catalog and one --schema <logical>=<name> per schema the plan lists")
            return params[m.group(1)]
        return _PLACEHOLDER.sub(fill, value)
    if isinstance(value, list):
        return [bind(v, params) for v in value]
    if isinstance(value, dict):
        return {k: bind(v, params) for k, v in value.items()}
    return value


def load_plan(path, catalog, schemas=None):
    """The plan with every table name catalog-qualified. `schemas` maps logical → real names (default: same)."""
    with open(path, encoding="utf-8") as f:
        plan = json.load(f)
    if plan.get("schemaVersion") != PLAN_SCHEMA_VERSION:
        raise PlanError(
            f"plan {path} has schemaVersion {plan.get('schemaVersion')}, this engine reads {PLAN_SCHEMA_VERSION}: "
            "run `lakebundle generate` with the matching lakebundle version"
        )
    names = {s: s for s in plan["schemas"]}
    names.update(schemas or {})
    missing = sorted(set(plan["schemas"]) - set(names))
    if missing:
        raise PlanError(f"no schema name given for {', '.join(missing)}")
    return bind(plan, plan_parameters(catalog, names))


def parse_schema_args(values):
    """`["bronze=dev_me_bronze", ...]` → {"bronze": "dev_me_bronze", ...}."""
    out = {}
    for v in values or []:
        logical, sep, name = v.partition("=")
        if not sep or not logical or not name:
            raise PlanError(f"--schema {v!r} is not <logical>=<name> (e.g. --schema silver=dev_me_silver)")
        out[logical] = name
    return out
