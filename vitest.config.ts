import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // holds the `warning: ` lines each test makes the module write; the summary reporter reports them
    setupFiles: ["./test/helpers/stderr.ts"],
    reporters: ["default", "./test/reporters/summary-line.ts"],
  },
});
