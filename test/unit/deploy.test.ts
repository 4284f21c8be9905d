/**
 * `lakebundle deploy`: refuses drift and a workspace host that is not the target's, explains a missing
 * databricks CLI, and hands a clean project to `databricks bundle deploy`. The databricks CLI cannot be
 * installed here (its Go module is refused), so an executable named `databricks` on PATH stands in for it
 * and records how it was called.
 */
import { appendFileSync, chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { cli } from "../fixtures/cli-harness.ts";
import { resolveWorkspaceHost, sameHost } from "../../sdk/src/runtime/databricks/workspace-host.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const temp = mkdtempSync(join(tmpdir(), "lakebundle-deploy-"));
const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function clearAuth(): void {
  for (const k of ["DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CONFIG_PROFILE", "DATABRICKS_CONFIG_FILE"]) delete process.env[k];
  process.env.DATABRICKS_CONFIG_FILE = join(temp, "no-such-databrickscfg");
}

/** Clean auth, and a `databricks` executable first on PATH that records its arguments, working folder
 * and whether it saw the token. */
function standInCli(exitCode = 0): { bin: string; calls: string } {
  clearAuth();
  const bin = mkdtempSync(join(temp, "bin-"));
  const calls = join(bin, "calls.log");
  writeFileSync(join(bin, "databricks"), `#!/bin/sh\necho "$* | $(pwd) | token:\${DATABRICKS_TOKEN:+set}" >> ${calls}\necho "Deployment complete!"\nexit ${exitCode}\n`);
  chmodSync(join(bin, "databricks"), 0o755);
  process.env.PATH = `${bin}${delimiter}${saved.PATH}`;
  return { bin, calls };
}

describe("lakebundle deploy", () => {
  it("without the databricks CLI: exit 8, says nothing was deployed and how to install it", async () => {
    clearAuth();
    process.env.PATH = mkdtempSync(join(temp, "empty-"));
    const r = await cli("deploy", "-t", "dev", "--project", root);
    expect(r.code).toBe(8);
    expect(r.err).toContain("the databricks CLI is not installed");
    expect(r.err).toContain("nothing was deployed");
    expect(r.err).toContain("https://docs.databricks.com/aws/en/dev-tools/cli/install");
  });

  it("hands an up-to-date project to `databricks bundle deploy` at the project root, credentials passed through, never printed", async () => {
    const { calls } = standInCli();
    process.env.DATABRICKS_HOST = "https://prod-us-east-1.cloud.databricks.com/";
    process.env.DATABRICKS_TOKEN = "dapi-secret-value";
    const r = await cli("deploy", "-t", "prod_us_east_1", "--project", root);
    expect(r.code).toBe(0);
    expect(readFileSync(calls, "utf8").trim()).toBe(`bundle deploy --target prod_us_east_1 | ${root.replace(/\/$/, "")} | token:set`);
    expect(r.out).toContain("Deployment complete!");
    expect(r.out + r.err).not.toContain("dapi-secret-value");
  });

  it("a failing databricks CLI is a failed deploy (exit 4)", async () => {
    standInCli(1);
    const r = await cli("deploy", "-t", "dev", "--project", root);
    expect(r.code).toBe(4);
    expect(r.err).toContain("databricks bundle deploy exited 1");
  });

  it("credentials for another workspace are refused before anything runs, from the environment or a profile", async () => {
    const { calls } = standInCli();
    process.env.DATABRICKS_HOST = "https://staging.cloud.databricks.com";
    const env = await cli("deploy", "-t", "prod_us_east_1", "--project", root);
    expect(env.code).toBe(2);
    expect(env.err).toContain("target prod_us_east_1 is on https://prod-us-east-1.cloud.databricks.com, but the credentials are for https://staging.cloud.databricks.com (from DATABRICKS_HOST)");
    const cfg = join(temp, "databrickscfg");
    writeFileSync(cfg, "[DEFAULT]\nhost = https://dev.cloud.databricks.com\n\n[prod]\nhost = https://prod-eu-west-1.cloud.databricks.com\ntoken = dapi-profile-secret\n");
    process.env.DATABRICKS_CONFIG_FILE = cfg;
    const profile = await cli("deploy", "-t", "prod_us_east_1", "--profile", "prod", "--project", root);
    expect(profile.code).toBe(2);
    expect(profile.err).toContain(`(from profile prod in ${cfg})`);
    expect(profile.err).not.toContain("dapi-profile-secret");
    expect(() => readFileSync(calls)).toThrow();
    const missing = await cli("deploy", "-t", "dev", "--profile", "nope", "--project", root);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("profile nope has no host");
  });

  it("drifted generated files are refused (exit 3) and an unknown target lists the known ones", async () => {
    const { calls } = standInCli();
    const copy = join(temp, "drifted");
    mkdirSync(copy);
    for (const f of ["package.json", "databricks.yml", "bundles"]) cpSync(join(root, f), join(copy, f), { recursive: true });
    for (const f of ["sdk", "jobs", "expectations"]) symlinkSync(join(root, f), join(copy, f));
    appendFileSync(join(copy, "bundles", "platform-telemetry", "src", "ap", "gold_billing_daily_live.sql"), "-- edited by hand\n");
    const drifted = await cli("deploy", "-t", "dev", "--project", copy);
    expect(drifted.code).toBe(3);
    expect(drifted.err).toContain("error LB1502: changed generated file bundles/platform-telemetry/src/ap/gold_billing_daily_live.sql");
    const unknown = await cli("deploy", "-t", "prod", "--project", root);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("targets of this project: dev, prod_eu_west_1, prod_us_east_1, staging");
    expect(() => readFileSync(calls)).toThrow();
  });

  it("host resolution follows the databricks CLI: --profile, then DATABRICKS_HOST, then DATABRICKS_CONFIG_PROFILE", () => {
    const cfg = join(temp, "cfg-order");
    writeFileSync(cfg, "; comment\n[a]\nhost=https://a.example.com\n[b]\n  host = https://b.example.com  \n");
    expect(resolveWorkspaceHost({ profile: "a", env: { DATABRICKS_CONFIG_FILE: cfg, DATABRICKS_HOST: "https://h" } })?.host).toBe("https://a.example.com");
    expect(resolveWorkspaceHost({ env: { DATABRICKS_CONFIG_FILE: cfg, DATABRICKS_HOST: "https://h", DATABRICKS_CONFIG_PROFILE: "b" } })?.host).toBe("https://h");
    expect(resolveWorkspaceHost({ env: { DATABRICKS_CONFIG_FILE: cfg, DATABRICKS_CONFIG_PROFILE: "b" } })?.host).toBe("https://b.example.com");
    expect(resolveWorkspaceHost({ env: { DATABRICKS_CONFIG_FILE: cfg } })).toBeUndefined();
    expect(sameHost("HTTPS://Dev.cloud.databricks.com:443/", "https://dev.cloud.databricks.com")).toBe(true);
    expect(sameHost("dev.cloud.databricks.com", "https://dev.cloud.databricks.com")).toBe(true);
    expect(sameHost("https://dev.cloud.databricks.com", "https://prod.cloud.databricks.com")).toBe(false);
  });
});
