import { defineConfig } from "vitest/config";

// Only the front end's own tests: never collect anything under .venv or node_modules.
export default defineConfig({
  test: {
    include: ["js/**/*.test.ts"],
  },
});
