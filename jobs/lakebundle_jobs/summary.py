"""What a run did, from the tables themselves: rows, quarantine by reason, duplicates, watermarks, periods."""
from .side_by_side import per_item
from .tables import row_count, table_exists


def _reasons(ctx, table):
    if not table_exists(ctx, table):
        return {}
    return {r["_reason"]: int(r["count"]) for r in ctx.spark.table(table).groupBy("_reason").count().collect()}


def summarize(ctx, paths):
    plan = ctx.plan
    wanted = []
    for path_name in paths:
        path = plan["paths"].get(path_name) or {"bronze": [], "silver": [], "gold": []}
        wanted += [b["table"] for b in path["bronze"]] + [s["table"] for s in path["silver"]]
        wanted += [g["table"] for g in path["gold"]] + [g["restatementsTable"] for g in path["gold"] if g.get("restatementsTable")]
    counts = per_item(lambda t: row_count(ctx, t), wanted)
    reasons_of = per_item(lambda t: _reasons(ctx, t), [s["quarantineTable"] for p in paths for s in (plan["paths"].get(p) or {}).get("silver", [])])
    out = {"tables": {}, "silver": {}, "gold": {}, "metrics": ctx.metrics}
    for path_name in paths:
        path = plan["paths"].get(path_name)
        if not path:
            continue
        for b in path["bronze"]:
            out["tables"][b["table"]] = counts[b["table"]]
        for s in path["silver"]:
            landed = counts.get(s["bronzeTable"], 0)
            unique = counts[s["table"]]
            reasons = reasons_of[s["quarantineTable"]]
            quarantined = sum(reasons.values())
            out["tables"][s["table"]] = unique
            out["tables"][s["quarantineTable"]] = quarantined
            out["silver"][s["table"]] = {
                "path": path_name, "landed": landed, "valid": landed - quarantined, "quarantined": quarantined,
                "unique": unique, "duplicatesRemoved": landed - quarantined - unique,
                "quarantinedByReason": dict(sorted(reasons.items())),
            }
        for g in path["gold"]:
            out["tables"][g["table"]] = counts[g["table"]]
            info = {"path": path_name}
            if table_exists(ctx, g["table"]):
                df = ctx.spark.table(g["table"])
                if "is_complete" in df.columns:
                    rows = df.groupBy(g["periodColumn"]).agg({"is_complete": "min"}).collect()
                    info["completePeriods"] = sorted(str(r[0]) for r in rows if r[1])
                    info["incompletePeriods"] = sorted(str(r[0]) for r in rows if not r[1])
                else:
                    info["publishedPeriods"] = sorted(str(r[0]) for r in df.select(g["periodColumn"]).distinct().collect())
            if g.get("restatementsTable"):
                out["tables"][g["restatementsTable"]] = counts[g["restatementsTable"]]
            publish = ctx.metrics.get("publish", {}).get(g["table"])
            if publish:
                info["withheldPeriods"] = publish["withheld"]
            out["gold"][g["table"]] = info
    out["quarantinedFiles"] = _quarantined_files(ctx, paths)
    out["watermarks"] = ctx.metrics.get("watermarks", {})
    # valid events stamped further ahead of their arrival than the allowed skew: counted, never a watermark
    out["clockSkewed"] = ctx.metrics.get("clockSkewed", {})
    return _display_names(out)


def _quarantined_files(ctx, paths):
    """Landed files quarantined whole (their lines are unknown: they are in no landed count)."""
    table = ctx.plan["ops"].get("quarantinedFilesTable")
    if "CP" not in paths or not table or not table_exists(ctx, table):
        return []
    rows = ctx.spark.table(table).orderBy("path").collect()
    return [{"source": r["source"], "path": r["path"], "size": r["size"], "reason": r["reason"],
             "detectedAt": r["detected_at"].isoformat() if r["detected_at"] else None} for r in rows]


def _display_names(out):
    """People read tables as <schema>.<table> (the catalog is the same for all of them)."""
    short = lambda d: {k.split(".", 1)[1] if k.count(".") == 2 else k: v for k, v in d.items()}  # noqa: E731
    for key in ("tables", "silver", "gold"):
        out[key] = short(out[key])
    # per-table metrics are dicts keyed by table; lists (replay, forget) and per-region dicts keep their names
    out["metrics"] = {k: short(v) if isinstance(v, dict) else v for k, v in out["metrics"].items()}
    return out
