import { describe, expect, it } from "vitest";
import { checkLoginRate, clearLoginFailures, recordLoginFailure } from "~/access/rate-limit.server";

describe("sign-in rate limit", () => {
  it("blocks after five failures within fifteen minutes and opens again afterwards", async () => {
    const t0 = 1_000_000;
    for (let i = 0; i < 5; i++) {
      expect(await checkLoginRate("k", t0 + i)).toBe(0);
      await recordLoginFailure("k", t0 + i);
    }
    expect(await checkLoginRate("k", t0 + 10)).toBeGreaterThan(800);
    expect(await checkLoginRate("k", t0 + 15 * 60_000 + 10)).toBe(0);
    await recordLoginFailure("j", t0);
    await clearLoginFailures("j");
    expect(await checkLoginRate("j", t0)).toBe(0);
  });
});

describe("sign-in limits per address and name, and per address", () => {
  it("slows one address that tries one password against many names, and no other address", async () => {
    const { signInWait, recordSignInFailure, recordSignInSuccess, MAX_FAILURES_PER_ADDRESS } = await import("~/access/rate-limit.server");
    const t0 = 5_000_000;
    for (let i = 0; i < MAX_FAILURES_PER_ADDRESS; i++) {
      expect((await signInWait("203.0.113.1", `user${i}`, t0 + i)).wait).toBe(0);
      await recordSignInFailure("203.0.113.1", `user${i}`, t0 + i);
    }
    expect(await signInWait("203.0.113.1", "someone-else", t0 + 100)).toMatchObject({ limit: "address" });
    expect((await signInWait("203.0.113.1", "someone-else", t0 + 100)).wait).toBeGreaterThan(800);
    expect(await signInWait("198.51.100.2", "user1", t0 + 100)).toEqual({ wait: 0, limit: null, nameFailures: 0 });
    // A success clears that name's count, not the address's.
    await recordSignInSuccess("203.0.113.1", "user1");
    expect((await signInWait("203.0.113.1", "user1", t0 + 100)).limit).toBe("address");
    expect(await signInWait("203.0.113.1", "user1", t0 + 15 * 60_000 + 100)).toEqual({ wait: 0, limit: null, nameFailures: 0 });
  });

  it("still slows one name from one address after five failures", async () => {
    const { signInWait, recordSignInFailure } = await import("~/access/rate-limit.server");
    const t0 = 9_000_000;
    for (let i = 0; i < 5; i++) await recordSignInFailure("192.0.2.7", "Approver", t0 + i);
    expect(await signInWait("192.0.2.7", " approver ", t0 + 10)).toMatchObject({ limit: "name" });
    expect((await signInWait("192.0.2.7", "editor", t0 + 10)).wait).toBe(0);
  });
});
