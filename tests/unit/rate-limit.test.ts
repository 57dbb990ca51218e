import { describe, expect, it } from "vitest";
import { checkLoginRate, clearLoginFailures, recordLoginFailure } from "~/access/rate-limit.server";

describe("sign-in rate limit", () => {
  it("blocks after five failures within fifteen minutes and opens again afterwards", () => {
    const t0 = 1_000_000;
    for (let i = 0; i < 5; i++) {
      expect(checkLoginRate("k", t0 + i)).toBe(0);
      recordLoginFailure("k", t0 + i);
    }
    expect(checkLoginRate("k", t0 + 10)).toBeGreaterThan(800);
    expect(checkLoginRate("k", t0 + 15 * 60_000 + 10)).toBe(0);
    recordLoginFailure("j", t0);
    clearLoginFailures("j");
    expect(checkLoginRate("j", t0)).toBe(0);
  });
});
