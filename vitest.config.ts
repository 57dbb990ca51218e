import { defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";
import { scaled } from "./tests/helpers/time";

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: ["tests/**/*.test.ts"],
    // REGULA_SKIP_BUILD=1 runs pure unit tests without building the app first.
    globalSetup: process.env.REGULA_SKIP_BUILD === "1" ? [] : ["tests/helpers/global-setup.ts"],
    setupFiles: ["tests/helpers/setup.ts"],
    // Safety nets for a hung test, scaled for a busy machine (tests/helpers/time.ts); passing tests never wait for them.
    testTimeout: scaled(60_000),
    hookTimeout: scaled(180_000),
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
  },
});
