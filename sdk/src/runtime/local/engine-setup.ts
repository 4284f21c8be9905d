import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The engine lives in the project: `.lakebundle/engine/{venv,jars}`, rebuilt only when its pins change. */
export function engineDirs(root: string) {
  const base = join(root, ".lakebundle", "engine");
  return { base, venv: join(base, "venv"), python: join(base, "venv", "bin", "python"), jars: join(base, "jars"), stamp: join(base, "stamp.json") };
}

export class EngineSetupError extends Error {
  override readonly name = "EngineSetupError";
}

/** Pinned jars, used when Maven is not installed: fetched from Maven Central and checked against its SHA-1. */
const pinnedJars = [
  { group: "io/delta", artifact: "delta-spark_4.2_2.13", version: "4.4.0" },
  { group: "io/delta", artifact: "delta-storage", version: "4.4.0" },
];
const central = "https://repo.maven.apache.org/maven2";

export async function setupEngine(root: string, say: (m: string) => void = () => {}): Promise<{ python: string; jars: string; cached: boolean }> {
  const dirs = engineDirs(root);
  const requirements = join(root, "sdk", "engine", "requirements.txt");
  const pom = join(root, "sdk", "engine", "pom.xml");
  const want = createHash("sha256").update(readFileSync(requirements)).update(readFileSync(pom)).digest("hex");
  checkJava();
  if (existsSync(dirs.stamp) && JSON.parse(readFileSync(dirs.stamp, "utf8")).pins === want && existsSync(dirs.python) && readStamp(root).sparkHome) {
    return { python: dirs.python, jars: dirs.jars, cached: true };
  }
  mkdirSync(dirs.base, { recursive: true });
  const python = process.env.LAKEBUNDLE_PYTHON ?? "python3";
  checkPython(python);
  if (!existsSync(dirs.python)) {
    say("engine setup: creating Python venv in .lakebundle/engine/venv");
    run(python, ["-m", "venv", dirs.venv], "create the venv");
  }
  say("engine setup: installing pyspark 4.2.0 with its Spark Connect client + delta-spark 4.4.0 (first time only; a few minutes)");
  run(dirs.python, ["-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", requirements], "pip install the engine");
  say("engine setup: resolving Delta jars into .lakebundle/engine/jars");
  await resolveJars(dirs, pom);
  writeFileSync(dirs.stamp, JSON.stringify({ pins: want, sparkHome: sparkHome(dirs.python) }, null, 2));
  say("engine setup: done");
  return { python: dirs.python, jars: dirs.jars, cached: false };
}

/** What setup recorded: the pins it installed and where pyspark's Spark lives (bin/spark-submit, jars/). */
export function readStamp(root: string): { pins: string; sparkHome: string } {
  const file = engineDirs(root).stamp;
  if (!existsSync(file)) throw new EngineSetupError("the local engine is not set up: run `lakebundle engine setup`");
  return JSON.parse(readFileSync(file, "utf8")) as { pins: string; sparkHome: string };
}

function sparkHome(python: string): string {
  const res = spawnSync(python, ["-c", "import pyspark, os; print(os.path.dirname(pyspark.__file__))"], { encoding: "utf8" });
  if (res.status !== 0) throw new EngineSetupError("pyspark is not importable in the engine venv: run `lakebundle engine setup` again");
  return res.stdout.trim();
}

function checkJava(): void {
  const res = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (res.error || res.status !== 0) throw new EngineSetupError("java not found: the local engine needs Java 17 (set JAVA_HOME or put java on PATH)");
  const m = /version "(\d+)/.exec(`${res.stderr}${res.stdout}`);
  const major = m ? Number(m[1]) : 0;
  if (major < 17) throw new EngineSetupError(`java ${major || "(unknown)"} found: Spark 4.2 needs Java 17 or newer`);
}

function checkPython(python: string): void {
  const res = spawnSync(python, ["-c", "import sys; print(sys.version_info[0], sys.version_info[1])"], { encoding: "utf8" });
  if (res.error || res.status !== 0) throw new EngineSetupError(`${python} not found: the local engine needs Python 3.10+ (set LAKEBUNDLE_PYTHON)`);
  const [maj, min] = res.stdout.trim().split(" ").map(Number);
  if (maj! < 3 || (maj === 3 && min! < 10)) throw new EngineSetupError(`python ${maj}.${min} found: pyspark 4.2 needs Python 3.10+`);
}

function run(cmd: string, args: string[], what: string): void {
  const res = spawnSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  if (res.error || res.status !== 0) {
    throw new EngineSetupError(`could not ${what}: ${(res.stderr || res.error?.message || "").trim().split("\n").slice(-3).join(" | ")}`);
  }
}

/**
 * Maven resolves delta-spark's runtime closure; jars Spark already ships are dropped so the
 * classpath has one copy of each library. Without Maven, the two pinned jars are fetched directly.
 */
async function resolveJars(dirs: ReturnType<typeof engineDirs>, pom: string): Promise<void> {
  rmSync(dirs.jars, { recursive: true, force: true });
  mkdirSync(dirs.jars, { recursive: true });
  const sparkJars = sparkJarNames(dirs.python);
  const mvn = spawnSync("mvn", ["-v"], { encoding: "utf8" });
  if (!mvn.error && mvn.status === 0) {
    const staging = join(dirs.base, "jars-all");
    rmSync(staging, { recursive: true, force: true });
    run("mvn", ["-q", "-B", "-f", pom, "dependency:copy-dependencies", "-DincludeScope=runtime", `-DoutputDirectory=${staging}`], "resolve Delta jars with Maven");
    for (const jar of readdirSync(staging)) {
      if (!sparkJars.has(artifactName(jar))) copyFileSync(join(staging, jar), join(dirs.jars, jar));
    }
    rmSync(staging, { recursive: true, force: true });
    return;
  }
  for (const j of pinnedJars) {
    const url = `${central}/${j.group}/${j.artifact}/${j.version}/${j.artifact}-${j.version}.jar`;
    const [jar, sha] = await Promise.all([fetchBytes(url), fetchBytes(`${url}.sha1`)]);
    const got = createHash("sha1").update(jar).digest("hex");
    if (got !== sha.toString("utf8").trim().slice(0, 40)) throw new EngineSetupError(`checksum mismatch for ${url}`);
    writeFileSync(join(dirs.jars, `${j.artifact}-${j.version}.jar`), jar);
  }
}

async function fetchBytes(url: string): Promise<Buffer> {
  const res = await fetch(url);
  if (!res.ok) throw new EngineSetupError(`could not download ${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

function sparkJarNames(python: string): Set<string> {
  const res = spawnSync(python, ["-c", "import pyspark, os; print(os.path.join(os.path.dirname(pyspark.__file__), 'jars'))"], { encoding: "utf8" });
  const dir = res.stdout.trim();
  return new Set(existsSync(dir) ? readdirSync(dir).map(artifactName) : []);
}

function artifactName(jar: string): string {
  return jar.replace(/-\d[\w.-]*\.jar$/, "");
}
