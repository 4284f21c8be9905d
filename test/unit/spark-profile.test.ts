import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { executionLabel, profileLines, taskWindows } from "../bench/spark-profile.ts";

const temp = mkdtempSync(join(tmpdir(), "lakebundle-profile-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const plan = (...lines: string[]) => ["== Physical Plan ==", ...lines].join("\n");
const start = (id: number, time: number, description: string, physical: string, root = id) =>
  JSON.stringify({ Event: "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart", executionId: id, rootExecutionId: root, time, description, physicalPlanDescription: physical });
const end = (id: number, time: number) => JSON.stringify({ Event: "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd", executionId: id, time });

describe("bench profile from a Spark event log", () => {
  it("names the kind of work of an execution", () => {
    expect(executionLabel("Spark Connect - session", plan("Execute MergeIntoCommand (1)"))).toBe("MERGE");
    expect(executionLabel("x", plan("AppendDataExecV1 (1)", "", "(1) AppendDataExecV1", "Database: silver\nTable: billing_usage_quarantine"))).toBe("append silver.billing_usage_quarantine");
    expect(executionLabel("Delta: Spark Connect", plan("* Project (3)"))).toBe("Delta log replay (snapshot state)");
    expect(executionLabel("x", plan("AdaptiveSparkPlan (9)", "+- HashAggregate", "from_json(_raw, ...)"))).toBe("JSON parse + aggregate");
    expect(executionLabel("cp_validate_x\nid = 1\nrunId = 2\nbatch = 0", plan("* ColumnarToRow (2)", "+- Scan parquet"))).toBe("micro-batch (spans its batch function)");
    expect(executionLabel("x", plan("Execute DescribeDeltaHistoryCommand (1)"))).toBe("DescribeDeltaHistoryCommand");
  });

  it("sums root executions per task window and leaves nested ones in their root", () => {
    const dir = join(temp, "eventlog_v2_local-1");
    mkdirSync(dir, { recursive: true });
    const t0 = Date.parse("2026-12-05T10:00:00Z");
    writeFileSync(join(dir, "events_1_local-1"), [
      start(1, t0 + 1000, "x", plan("Execute MergeIntoCommand (1)")),
      start(2, t0 + 1100, "x", plan("* Filter (2)"), 1), // nested in the MERGE: not counted again
      end(2, t0 + 1500),
      end(1, t0 + 3000),
      start(3, t0 + 3500, "x", plan("Execute MergeIntoCommand (1)")),
      end(3, t0 + 4500),
      start(4, t0 + 9000, "x", plan("Execute MergeIntoCommand (1)")), // after the task: not in it
      end(4, t0 + 9500),
    ].join("\n"));
    const lines = profileLines(temp, taskWindows([["merge", "2026-12-05 10:00:00.5", "2026-12-05 10:00:05.0"]]));
    expect(lines).toEqual(["merge (4.5 s wall, 2 Spark SQL executions):", "  MERGE 3.0 s ×2"]);
  });
});
