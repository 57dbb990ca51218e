import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const TEST_BUILD_ROOT = path.join(ROOT, ".test-build");

/**
 * Secrets every test process and every portal a test starts share: the key that signs the audit
 * head (the seeded fixture's head is signed with it) and the monitoring token that reads /healthz's
 * details. Set in the environment by global-setup.ts and setup.ts, so scripts tests run inherit them.
 */
export const TEST_ENV = {
  AUDIT_KEY: "regula-test-audit-key-7f3a9c1e5b2d4086a1c3e5f7",
  HEALTH_TOKEN: "regula-test-health-token-5e2c8a",
} as const;

/** Puts TEST_ENV into this process's environment (values already set win). */
export function useTestEnv() {
  for (const [k, v] of Object.entries(TEST_ENV)) process.env[k] ??= v;
}
