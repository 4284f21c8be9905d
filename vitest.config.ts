import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // engine tests share one Spark session per file; files run one at a time on a 2-core machine
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
