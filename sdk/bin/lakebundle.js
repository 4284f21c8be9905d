#!/usr/bin/env node
// Runs the TypeScript CLI straight from source through tsx, so there is no build step to forget.
import { register } from "tsx/esm/api";

register();
// `lakebundle ... | head`: the reader left; that is not an error worth a stack trace
process.stdout.on("error", (err) => { if (err.code === "EPIPE") process.exit(0); else throw err; });
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);
