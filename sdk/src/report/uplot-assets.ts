import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface UplotAssets {
  js: string;
  css: string;
}

let cached: UplotAssets | undefined;

/** uPlot's browser build and stylesheet, read from the installed package so the report needs no network. */
export function uplotAssets(): UplotAssets {
  if (cached) return cached;
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve("uplot/package.json"));
  } catch {
    throw new Error("the report needs the npm package uplot (1.6.32), which is not installed: run `npm ci` in the lakebundle checkout");
  }
  const read = (file: string) => {
    const path = join(dir, "dist", file);
    try {
      return readFileSync(path, "utf8");
    } catch {
      throw new Error(`the report needs ${path}, which is missing: reinstall uplot with \`npm ci\``);
    }
  };
  cached = { js: read("uPlot.iife.min.js"), css: read("uPlot.min.css") };
  return cached;
}
