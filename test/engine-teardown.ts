/** Vitest global setup: tags the engines this test run starts, and stops them all at the end. */
import { fileURLToPath } from "node:url";
import { listEngines, stopEngine } from "../sdk/src/runtime/index.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

export function setup(): () => Promise<void> {
  const tag = `vitest-${process.pid}`;
  process.env.LAKEBUNDLE_ENGINE_TAG = tag;
  return async () => {
    for (const engine of listEngines(root).filter((e) => e.tag === tag)) await stopEngine(root, engine);
  };
}
