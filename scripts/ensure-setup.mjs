#!/usr/bin/env node
// Makes a fresh clone runnable: installs npm dependencies when they are missing, and with --engine
// sets up the local Spark + Delta engine (cached in .lakebundle/engine). Node built-ins only.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
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
