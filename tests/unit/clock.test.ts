import { describe, expect, it } from "vitest";
import { dayOf, hourOf, minuteOf } from "~/utils/clock.server";

describe("the company's clock", () => {
  it("reads instants in the company's time zone, midnight hour as 00", () => {
    // 16:50 UTC on 5 December is 00:50 on 6 December in Shanghai.
    expect(dayOf("2026-12-05T16:50:00Z")).toBe("2026-12-06");
    expect(minuteOf("2026-12-05T16:50:00Z")).toBe("2026-12-06 00:50");
    expect(hourOf(new Date("2026-12-05T16:50:00Z"))).toBe(0);
    expect(dayOf("2026-12-05T15:59:00Z")).toBe("2026-12-05");
    expect(minuteOf(new Date("2026-12-05T15:59:00Z"))).toBe("2026-12-05 23:59");
    expect(hourOf(new Date("2026-12-05T15:59:00Z"))).toBe(23);
  });
});
