import { describe, expect, it } from "vitest";
import { ByteLru } from "~/utils/byte-lru";

const text = (chars: number, mark = "x") => mark.repeat(chars);

describe("a cache bounded by bytes", () => {
  it("keeps within its budget whatever the number of entries, dropping the least recently used first", () => {
    const cache = new ByteLru<string>(1000, (v) => v.length * 2);
    for (let i = 0; i < 50; i++) cache.set(`k${i}`, text(100));
    expect(cache.bytesHeld).toBeLessThanOrEqual(1000);
    // Five of 200 bytes fit: the last five set.
    expect(cache.get("k44")).toBeUndefined();
    expect(cache.get("k45")).toBe(text(100));
    // Reading k45 made it the most recent: the next one in pushes out k46 instead.
    cache.set("k50", text(100));
    expect(cache.get("k45")).toBe(text(100));
    expect(cache.get("k46")).toBeUndefined();
    expect(cache.bytesHeld).toBe(1000);
  });

  it("does not keep a value over a quarter of the budget, and replacing a value counts it once", () => {
    const cache = new ByteLru<string>(1000, (v) => v.length * 2);
    cache.set("big", text(126)); // 252 bytes
    expect(cache.get("big")).toBeUndefined();
    expect(cache.bytesHeld).toBe(0);
    cache.set("a", text(100));
    cache.set("a", text(50, "y"));
    expect(cache.bytesHeld).toBe(100);
    expect(cache.get("a")).toBe(text(50, "y"));
  });
});
