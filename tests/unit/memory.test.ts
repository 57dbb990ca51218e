// The collection the portal asks for after start-up (decision 130): the garbage of a burst of work
// is collected and the freed memory given back, so resident memory falls with it.
import { describe, expect, it } from "vitest";
import { collectAllGarbage } from "~/utils/memory.server";

describe("giving back a burst's garbage", () => {
  it("collects what a burst left and gives the memory back", async () => {
    // A burst: ~150 MB of small objects, dropped at once.
    let burst: { i: number; s: string }[] | null = [];
    for (let i = 0; i < 1_500_000; i++) burst.push({ i, s: `text ${i}` });
    const heldHeap = process.memoryUsage().heapUsed;
    burst = null;
    const r = await collectAllGarbage();
    const after = process.memoryUsage();
    expect(after.heapUsed).toBeLessThan(heldHeap - 80 * 2 ** 20);
    expect(r.afterMB).toBeLessThan(r.beforeMB - 50);
  });
});
