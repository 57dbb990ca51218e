// The embedded engine keeps folded text (for phrase checks, proximity and snippets) for the documents
// used most recently, within a budget: indexing a whole corpus no longer keeps a second copy of it.
import { describe, expect, it } from "vitest";
import { FoldedCache } from "~/search/embedded.server";

const folded = (chars: number) => ({ title: "t", text: "文".repeat(chars - 1), marks: new Int32Array(0), parts: [] });

describe("the folded-text cache", () => {
  it("keeps the most recently used documents within its budget of characters", () => {
    const cache = new FoldedCache(1000);
    for (let i = 0; i < 5; i++) cache.set(`D-${i}`, folded(300));
    // 1,500 characters asked for, 1,000 kept: the three most recent.
    expect(["D-0", "D-1", "D-2", "D-3", "D-4"].map((n) => !!cache.get(n))).toEqual([false, false, true, true, true]);
    // Reading one makes it the most recent: the next document pushes out the oldest other.
    cache.get("D-2");
    cache.set("D-5", folded(300));
    expect(["D-2", "D-3", "D-4", "D-5"].map((n) => !!cache.get(n))).toEqual([true, false, true, true]);
    // A document larger than the budget is kept alone rather than not at all.
    cache.set("BIG", folded(5000));
    expect(!!cache.get("BIG")).toBe(true);
    expect(!!cache.get("D-5")).toBe(false);
    // Replacing a document counts its new size only.
    cache.clear();
    cache.set("A", folded(600));
    cache.set("A", folded(600));
    cache.set("B", folded(300));
    expect(!!cache.get("A") && !!cache.get("B")).toBe(true);
  });
});
