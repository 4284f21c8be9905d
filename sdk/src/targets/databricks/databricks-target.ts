import { enginePlan } from "../../compile/engine-plan.ts";
import type { BundleIR } from "../../ir/index.ts";
import type { Artifact, EmitContext, Target } from "../target.ts";
import { jsonText, yamlText } from "../yaml-text.ts";
import { dltSql } from "./dlt-sql.ts";
import { forgetJobResource, jobResource } from "./job-resource.ts";
import { pipelineResource, pipelineScheduleJob } from "./pipeline-resource.ts";
import { checkpointRoot, schemaResources } from "./schema-resources.ts";
import { schemaNameRef } from "../../compile/table-names.ts";
import { alertResources } from "./alert-resources.ts";
import { bundleTableName } from "./bundle-table-name.ts";
import { dashboardResource, operationsDashboard } from "./dashboard-resource.ts";

/**
 * Databricks Asset Bundle output for one system: AP as a declarative pipeline, CP as a Workflows
 * job, both reading the same immutable landing zone; an AI/BI dashboard and SQL alerts over Gold and
 * the ops tables. The root `databricks.yml` is project-wide (see root-config.ts).
 */
export const databricksTarget: Target = {
  name: "databricks",
  capabilities: { supportsExpectations: true, supportsAutoLoader: true, supportsAutoCdc: true, fileFormats: ["json", "jsonl"] },
  emit(ir: BundleIR, ctx: EmitContext): Artifact[] {
    const artifacts: Artifact[] = [];
    const resourcesDir = `${ctx.bundleDir}/resources`;
    artifacts.push({ path: `${resourcesDir}/${ir.resourceKey}.schemas.yml`, content: yamlText({ resources: schemaResources(ir) }) });
    const ap = ir.paths.AP;
    if (ap) {
      const sqlFiles: string[] = [];
      for (const name of ap.datasets) {
        const dataset = ir.datasets.find((d) => d.name === name)!;
        const file = `src/ap/${dataset.kind}_${dataset.name}.sql`;
        sqlFiles.push(`../${file}`);
        artifacts.push({ path: `${ctx.bundleDir}/${file}`, content: dltSql(ir, dataset) });
      }
      const key = `${ir.resourceKey}_ap`;
      const resources: Record<string, unknown> = { pipelines: { [key]: pipelineResource(ir, ap, sqlFiles) } };
      const scheduler = pipelineScheduleJob(ir, ap, key);
      if (scheduler) resources.jobs = { [`${key}_refresh`]: scheduler };
      artifacts.push({ path: `${resourcesDir}/${key}.pipeline.yml`, content: yamlText({ resources }) });
    }
    const cp = ir.paths.CP;
    if (cp) {
      const key = `${ir.resourceKey}_cp`;
      const paths = {
        taskFile: "../../../jobs/lakebundle_task.py",
        planWorkspacePath: `\${workspace.file_path}/${ctx.bundleDir}/src/plan.json`,
        schemaNames: Object.fromEntries(Object.keys(ir.schemas).map((s) => [s, schemaNameRef(ir.resourceKey, s)])),
        checkpointRoot: checkpointRoot(ir),
      };
      artifacts.push({ path: `${resourcesDir}/${key}.job.yml`, content: yamlText({ resources: { jobs: { [key]: jobResource(ir, cp, paths) } } }) });
      artifacts.push({ path: `${resourcesDir}/${ir.resourceKey}_forget.job.yml`, content: yamlText({ resources: { jobs: { [`${ir.resourceKey}_forget`]: forgetJobResource(ir, paths) } } }) });
    }
    const plan = enginePlan(ir);
    artifacts.push({ path: `${ctx.bundleDir}/src/plan.json`, content: jsonText(plan) });
    // the dashboard and the alerts name the deployed tables (see dashboard-resource.ts)
    const name = (planTable: string) => bundleTableName(ir.resourceKey, planTable);
    const dashboard = operationsDashboard(ir, plan, name);
    artifacts.push({ path: `${ctx.bundleDir}/src/${ir.resourceKey}.lvdash.json`, content: jsonText(dashboard) });
    artifacts.push({
      path: `${resourcesDir}/${ir.resourceKey}.dashboard.yml`,
      content: yamlText({ resources: { dashboards: { [`${ir.resourceKey}_dashboard`]: dashboardResource(ir, dashboard) } } }),
    });
    artifacts.push({ path: `${resourcesDir}/${ir.resourceKey}.alerts.yml`, content: yamlText({ resources: { alerts: alertResources(ir, plan, name) } }) });
    return artifacts;
  },
};
