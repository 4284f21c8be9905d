#!/usr/bin/env node
// Makes a fresh clone runnable: installs npm dependencies when they are missing, with --engine
// sets up the local Spark + Delta engine (cached in .lakebundle/engine), and with --browser installs
// Debian's Chromium for the browser tests (puppeteer-core never downloads one). Node built-ins only.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args) => {
  const res = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (res.status !== 0) process.exit(res.status ?? 1);
};

const lock = join(root, "package-lock.json");
const installed = join(root, "node_modules", ".package-lock.json");
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.error("installing npm dependencies (npm ci)...");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
}
if (process.argv.includes("--engine")) run(process.execPath, [join(root, "sdk", "bin", "lakebundle.js"), "engine", "setup"]);

if (process.argv.includes("--browser")) ensureChromium();

/** The browser tests drive a system Chromium (LAKEBUNDLE_CHROMIUM or /usr/bin/chromium); install Debian's when none is found. */
function ensureChromium() {
  const found = findChromium();
  if (found) return;
  const manual = "install Chromium yourself (Debian/Ubuntu: `apt-get install chromium`) or set LAKEBUNDLE_CHROMIUM to its path";
  if (!onPath("apt-get")) {
    console.error(`error: the browser tests need Chromium and apt-get is not available to install it; ${manual}`);
    process.exit(1);
  }
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot && !onPath("sudo")) {
    console.error(`error: installing Chromium needs root (or sudo) for apt-get; ${manual}`);
    process.exit(1);
  }
  const apt = (args) => {
    const [cmd, argv] = isRoot ? ["apt-get", args] : ["sudo", ["apt-get", ...args]];
    const res = spawnSync(cmd, argv, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (res.status !== 0) {
      console.error(`error: \`${[cmd, ...argv].join(" ")}\` failed (exit ${res.status ?? res.signal}); ${manual}`);
      process.exit(1);
    }
  };
  console.error("installing Chromium for the browser tests (apt-get update)...");
  apt(["update"]);
  console.error("installing Chromium for the browser tests (apt-get install chromium)...");
  apt(["install", "-y", "--no-install-recommends", "chromium"]);
  if (!findChromium()) {
    console.error(`error: apt-get installed chromium but no chromium binary was found; ${manual}`);
    process.exit(1);
  }
}

function findChromium() {
  const env = process.env.LAKEBUNDLE_CHROMIUM;
  if (env) {
    if (existsSync(env)) return env;
    console.error(`error: LAKEBUNDLE_CHROMIUM is set to ${env}, which does not exist; unset it or point it at a Chromium binary`);
    process.exit(1);
  }
  if (existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  return onPath("chromium") ?? onPath("chromium-browser");
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}
