import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // engine tests share one Spark session per file; files run one at a time on a 2-core machine
    fileParallelism: false,
    // stops every engine the suite started, also when a test failed or a worker died
    globalSetup: ["test/engine-teardown.ts"],
    // engine tests run Spark jobs whose time varies with machine load; a hang is still bounded
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
