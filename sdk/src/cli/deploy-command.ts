import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { Command } from "commander";
import { hasErrors } from "../diagnostics/diagnostic.ts";
import { checkBundleYaml, checkDrift, generateProject, loadProject } from "../project/index.ts";
import { targetAuthHost, WorkspaceHostError } from "../runtime/databricks/workspace-host.ts";
import { exitCodes } from "./exit-codes.ts";
import { printDiagnostics, type Io } from "./output.ts";
import { projectRoot } from "./project-root.ts";

interface Options { target: string; profile?: string; project?: string }

export const DATABRICKS_CLI_HINT = "install the databricks CLI (https://docs.databricks.com/aws/en/dev-tools/cli/install), e.g. `curl -fsSL https://raw.githubusercontent.com/databricks/setup-cli/main/install.sh | sh`, then rerun";

/**
 * `deploy -t <target>`: what is deployed is what the generator makes from the specs, so committed files
 * that drifted from it are refused; the auth host must be the target's; then `databricks bundle deploy`.
 */
export function registerDeploy(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("deploy")
    .description("deploy the project's bundles to a target with the databricks CLI (refuses drifted generated files)")
    .requiredOption("-t, --target <target>", "the target to deploy (targets of bundles/*/lakebundle.ts)")
    .option("--profile <name>", "a ~/.databrickscfg profile (as the databricks CLI takes it)")
    .option("--project <dir>", "project root (default: found from the current folder)")
    .addHelpText("after", "\nExamples:\n  lakebundle deploy -t dev\n  lakebundle deploy -t prod-us-east-1 --profile prod\n\nAuth is the databricks CLI's own: DATABRICKS_HOST/DATABRICKS_TOKEN, a --profile from ~/.databrickscfg, or\nOAuth machine-to-machine (DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET). lakebundle reads only the host.\n")
    .action(async (opts: Options) => setExit(await deploy(io, opts)));
}

async function deploy(io: Io, opts: Options): Promise<number> {
  const root = projectRoot(io, opts.project);
  if (!root) return exitCodes.usage;
  const output = generateProject(await loadProject(root, []));
  const diagnostics = [...output.diagnostics, ...(hasErrors(output.diagnostics) ? [] : checkBundleYaml(output.artifacts))];
  if (hasErrors(diagnostics)) {
    printDiagnostics(io, diagnostics);
    return exitCodes.invalidSpec;
  }
  const drift = checkDrift(root, output.artifacts, output.bundleDirs);
  const drifted = Object.entries(drift).flatMap(([label, files]) => (files as string[]).map((f) => `${label} generated file ${f}`));
  if (drifted.length > 0) {
    for (const line of drifted) io.err(`error LB1502: ${line}`);
    io.err("hint: what is deployed must be what the generator makes: run `lakebundle generate`, review and commit, then deploy");
    return exitCodes.drift;
  }
  const targets = new Map(output.irs.flatMap((ir) => Object.entries(ir.targets)));
  const target = targets.get(opts.target);
  if (!target) {
    io.err(`error: no target ${opts.target}\n  hint: targets of this project: ${[...targets.keys()].sort().join(", ") || "(none)"}`);
    return exitCodes.usage;
  }
  try {
    targetAuthHost({ name: opts.target, workspaceHost: target.workspaceHost }, opts.profile ? { profile: opts.profile } : {});
  } catch (err) {
    if (!(err instanceof WorkspaceHostError)) throw err;
    io.err(`error: ${err.message}\n  hint: ${err.hint}`);
    return exitCodes.usage;
  }
  const cli = findOnPath("databricks");
  if (!cli) {
    io.err(`error: the databricks CLI is not installed (not on PATH); generated files are up to date (${output.artifacts.length} files), nothing was deployed\n  hint: ${DATABRICKS_CLI_HINT}`);
    return exitCodes.missingTool;
  }
  const args = ["bundle", "deploy", "--target", opts.target, ...(opts.profile ? ["--profile", opts.profile] : [])];
  io.err(`deploying with ${cli} ${args.join(" ")}`);
  const code = await run(cli, args, root, io);
  if (code !== 0) {
    io.err(`error: databricks bundle deploy exited ${code}`);
    return exitCodes.runFailed;
  }
  io.out(`deployed target ${opts.target}`);
  return exitCodes.ok;
}

export function findOnPath(name: string, path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function run(cmd: string, args: string[], cwd: string, io: Io): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d: Buffer) => io.out(d.toString().replace(/\n$/, "")));
    child.stderr.on("data", (d: Buffer) => io.err(d.toString().replace(/\n$/, "")));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
