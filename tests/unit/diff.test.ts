import { describe, expect, it } from "vitest";
import { diffStats, diffTexts, type DiffRow, type DiffSegment, type DocumentDiff } from "../../app/documents/diff.server";

function rowsOf(diff: DocumentDiff): DiffRow[] {
  if (diff.tooLarge) throw new Error(`unexpected tooLarge: ${diff.reason}`);
  return diff.rows;
}
const texts = (segments: DiffSegment[] | undefined, kind: DiffSegment["kind"]) => (segments ?? []).filter((s) => s.kind === kind).map((s) => s.text);
const joined = (segments: DiffSegment[] | undefined) => (segments ?? []).map((s) => s.text).join("");

// Deterministic pseudo-random text so the pathological cases are reproducible.
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function randomText(random: () => number, length: number, alphabet: string, lineEvery = 0): string {
  const out: string[] = [];
  for (let i = 0; i < length; i++) out.push(lineEvery && i % lineEvery === lineEvery - 1 ? "\n" : alphabet[Math.floor(random() * alphabet.length)]);
  return out.join("");
}
const LATIN = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOP0123456789.,;";
const CJK = Array.from({ length: 2000 }, (_, i) => String.fromCharCode(0x4e00 + i)).join("");

describe("diffTexts: word marks inside changed lines", () => {
  it("marks the changed English word only", () => {
    const [row] = rowsOf(diffTexts("The quick brown fox jumps.\n", "The quick red fox jumps.\n"));
    expect(row.kind).toBe("change");
    expect(texts(row.old, "del")).toEqual(["brown"]);
    expect(texts(row.new, "add")).toEqual(["red"]);
    expect(joined(row.old)).toBe("The quick brown fox jumps.");
    expect(joined(row.new)).toBe("The quick red fox jumps.");
  });

  it("compares Chinese by words: the changed word is marked, unchanged words stay whole", () => {
    const [row] = rowsOf(diffTexts("申請應於三個工作日內完成審核。", "申請應於五個工作日內完成審核。"));
    expect(row.kind).toBe("change");
    const added = texts(row.new, "add");
    const removed = texts(row.old, "del");
    expect(added).toHaveLength(1);
    expect(["五", "五個"]).toContain(added[0]);
    expect(["三", "三個"]).toContain(removed[0]);
    // Not the whole line, and not split character by character.
    expect(texts(row.new, "same").some((t) => t.includes("工作日"))).toBe(true);
    expect(texts(row.old, "same").some((t) => t.includes("工作日"))).toBe(true);
    expect(texts(row.new, "same").join("")).toBe("申請應於五個工作日內完成審核。".replace(added[0], ""));
    expect(joined(row.new)).toBe("申請應於五個工作日內完成審核。");
  });

  it("marks replaced Chinese words as words, not as shared characters", () => {
    const [row] = rowsOf(diffTexts("所有文件須經部門主管核准後方可發布。\n", "所有文件須經品質經理核准後方可發布。\n"));
    expect(row.kind).toBe("change");
    expect(texts(row.old, "del")).toEqual(["部門主管"]);
    expect(texts(row.new, "add")).toEqual(["品質經理"]);
    expect(texts(row.new, "same")).toEqual(["所有文件須經", "核准後方可發布。"]);
  });

  it("keeps each side's own text when only whitespace changed", () => {
    const cases: [string, string][] = [
      ["第三條　員工應遵守本辦法", "第三條 員工應遵守本辦法"],
      ["  - item", "    - item"],
      ["a b c d", "a  b x d"],
    ];
    for (const [a, b] of cases) {
      const [row] = rowsOf(diffTexts(a, b));
      expect(row.kind).toBe("change");
      expect(joined(row.old)).toBe(a);
      expect(joined(row.new)).toBe(b);
      expect([...texts(row.old, "del"), ...texts(row.new, "add")].length).toBeGreaterThan(0);
    }
  });

  it("shows very different line pairs as a removed and an added line", () => {
    const diff = diffTexts("alpha beta gamma delta\n", "completely other words here now\n");
    expect(rowsOf(diff).map((r) => r.kind)).toEqual(["del", "add"]);
    expect(diffStats(diff)).toEqual({ added: 1, removed: 1, changed: 0 });
  });

  it("segments always spell out the original lines exactly", () => {
    const random = prng(7);
    const words = ["申請", "文件", "核准", "工作日", "三個", " ", "　", "policy", "the", "，", "。", "  ", "v2", "😀"];
    for (let n = 0; n < 200; n++) {
      const line = () => Array.from({ length: 3 + Math.floor(random() * 12) }, () => words[Math.floor(random() * words.length)]).join("");
      const a = line();
      const b = random() < 0.5 ? a.replace(words[Math.floor(random() * words.length)], words[Math.floor(random() * words.length)]) : line();
      for (const row of rowsOf(diffTexts(a, b))) {
        if (row.kind === "change" || row.kind === "del") expect(joined(row.old)).toBe(a);
        if (row.kind === "change" || row.kind === "add") expect(joined(row.new)).toBe(b);
      }
    }
  });
});

describe("diffTexts: lines", () => {
  it("reports added and removed lines with line numbers", () => {
    const diff = diffTexts("one\ntwo\nthree\n", "one\nthree\nfour\nfive\n");
    expect(rowsOf(diff).map((r) => [r.kind, r.oldNo, r.newNo, joined(r.old ?? r.new)])).toEqual([
      ["context", 1, 1, "one"],
      ["del", 2, undefined, "two"],
      ["context", 3, 2, "three"],
      ["add", undefined, 3, "four"],
      ["add", undefined, 4, "five"],
    ]);
    expect(diffStats(diff)).toEqual({ added: 2, removed: 1, changed: 0 });
  });

  it("pairs a removed run with the added run and leaves the extra lines as adds", () => {
    const diff = diffTexts("x\n第一條 適用範圍\ny\n", "x\n第一條 適用對象\n第二條 名詞定義\ny\n");
    expect(rowsOf(diff).map((r) => r.kind)).toEqual(["context", "change", "add", "context"]);
    expect(diffStats(diff)).toEqual({ added: 1, removed: 0, changed: 1 });
  });

  it("folds long unchanged runs into skip rows, keeping three lines of context", () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const changed = lines.map((l, i) => (i === 9 ? "line 10, edited" : l));
    const rows = rowsOf(diffTexts(lines.join("\n"), changed.join("\n")));
    expect(rows.map((r) => (r.kind === "skip" ? `skip ${r.skipped}@${r.oldNo}` : `${r.kind} ${r.oldNo}`))).toEqual([
      "skip 6@1",
      "context 7",
      "context 8",
      "context 9",
      "change 10",
      "context 11",
      "context 12",
      "context 13",
      "skip 7@14",
    ]);
    const wide = rowsOf(diffTexts(lines.join("\n"), changed.join("\n"), { context: 1 }));
    expect(wide.filter((r) => r.kind === "context").map((r) => r.oldNo)).toEqual([9, 11]);
  });

  it("does not fold a run that is barely longer than the context", () => {
    const a = "a\nb\nc\nd\ne\nf\ng\nh\ni\n";
    const b = "A\nb\nc\nd\ne\nf\ng\nh\nI\n";
    expect(rowsOf(diffTexts(a, b)).some((r) => r.kind === "skip")).toBe(false);
  });

  it("says identical inputs are identical, with only context or skip rows", () => {
    const text = Array.from({ length: 12 }, (_, i) => `第${i + 1}條 內容`).join("\n");
    const diff = diffTexts(text, text);
    expect(diff.tooLarge).toBe(false);
    if (diff.tooLarge) return;
    expect(diff.identical).toBe(true);
    expect(diff.stats).toEqual({ added: 0, removed: 0, changed: 0 });
    expect(diff.rows.every((r) => r.kind === "context" || r.kind === "skip")).toBe(true);
    expect(diffTexts("", "")).toMatchObject({ tooLarge: false, identical: true, rows: [] });
  });

  it("treats CRLF and LF as the same line ending", () => {
    expect(diffTexts("a\r\nb\r\n", "a\nb\n")).toMatchObject({ tooLarge: false, identical: true });
    const rows = rowsOf(diffTexts("a\r\nb\r\nc", "a\nB\nc\n"));
    expect(rows.map((r) => r.kind)).toEqual(["context", "del", "add", "context"]);
    expect(JSON.stringify(rows)).not.toContain("\\r");
  });
});

describe("diffTexts: bounds", () => {
  it("returns tooLarge above maxBytes without diffing", () => {
    const diff = diffTexts("甲".repeat(200), "乙".repeat(200), { maxBytes: 1000 });
    expect(diff).toMatchObject({ tooLarge: true, stats: { oldBytes: 600, newBytes: 600 } });
    if (diff.tooLarge) expect(diff.reason).toMatch(/KB/);
  });

  it("returns tooLarge above the line limit", () => {
    expect(diffTexts("a\n".repeat(30_000), "b\n".repeat(30_000)).tooLarge).toBe(true);
  });

  it("returns tooLarge when the line diff gives up (maxEditLength)", () => {
    const a = Array.from({ length: 10 }, (_, i) => `old ${i}`).join("\n");
    const b = Array.from({ length: 10 }, (_, i) => `new ${i}`).join("\n");
    const diff = diffTexts(a, b, { maxEditLength: 3 });
    expect(diff.tooLarge).toBe(true);
    if (diff.tooLarge) expect(diff.reason).toMatch(/differ too much/);
  });

  const timed = (f: () => DocumentDiff) => {
    const started = performance.now();
    const diff = f();
    return { diff, ms: performance.now() - started };
  };
  const settled = (diff: DocumentDiff) => diff.tooLarge || diff.rows.length > 0;

  it("two 1 MB random texts of 40,000 different lines: returns quickly", () => {
    const random = prng(1);
    const a = randomText(random, 1_000_000, LATIN, 25);
    const b = randomText(random, 1_000_000, LATIN, 25);
    const byDefault = timed(() => diffTexts(a, b));
    expect(byDefault.diff.tooLarge).toBe(true);
    expect(byDefault.ms).toBeLessThan(10_000);
    // With the size limits lifted, the time budget still stops the line diff.
    const unlimited = timed(() => diffTexts(a, b, { maxBytes: Infinity, maxLines: Infinity }));
    expect(settled(unlimited.diff)).toBe(true);
    expect(unlimited.ms).toBeLessThan(10_000);
    console.info(`pathological 2×1 MB: ${Math.round(byDefault.ms)} ms default, ${Math.round(unlimited.ms)} ms unlimited`);
  });

  it("one huge changed line (700 KB each side): no quadratic word segmentation", () => {
    const random = prng(2);
    const a = randomText(random, 700_000, LATIN);
    const b = randomText(random, 700_000, LATIN);
    const { diff, ms } = timed(() => diffTexts(a, b, { maxBytes: Infinity }));
    expect(rowsOf(diff).map((r) => r.kind)).toEqual(["del", "add"]);
    expect(ms).toBeLessThan(10_000);
    // A small edit in a huge line is still marked at word level.
    const c = randomText(prng(3), 200_000, CJK);
    const edited = c.slice(0, 100_000) + "修訂" + c.slice(100_002);
    const small = timed(() => diffTexts(c, edited, { maxBytes: Infinity }));
    const [row] = rowsOf(small.diff);
    expect(row.kind).toBe("change");
    expect(texts(row.new, "add").join("")).toContain("修訂");
    expect(small.ms).toBeLessThan(10_000);
  });

  it("many changed line pairs: the word-diff budget degrades to whole lines, never hangs", () => {
    const random = prng(4);
    const lines = Array.from({ length: 4000 }, () => randomText(random, 100, CJK));
    const edited = lines.map((l) => l.slice(0, 50) + randomText(random, 10, CJK) + l.slice(60));
    const { diff, ms } = timed(() => diffTexts(lines.join("\n"), edited.join("\n"), { timeoutMs: 200 }));
    expect(settled(diff)).toBe(true);
    expect(ms).toBeLessThan(10_000);
    if (!diff.tooLarge) expect(diff.stats.changed + diff.stats.removed).toBe(4000);
  });
});
