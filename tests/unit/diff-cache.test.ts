/**
 * The comparison cache and what the reader sees of a heavily amended law:
 * cached answers are the same as freshly computed ones, the cache stays within
 * its bound, publication warms it, changed paragraphs are shown whole, and the
 * changes past what the page shows at once are folded and load on demand.
 */
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, describe, expect, it } from "vitest";
import { FormattedDiffView } from "../../app/components/diff-view";
import { blockChanges, compareBlocks, formattedDiff, formattedDiffFold, type FormattedDiff, type FormattedItem } from "../../app/documents/diff-blocks.server";
import { cachedBlockChanges, cachedFormattedDiff, cachedFormattedFold, cachedLineDiff, clearDiffCache, diffCacheStats, warmingDone, warmLater } from "../../app/documents/diff-cache.server";
import { diffTexts } from "../../app/documents/diff.server";
import { translator } from "../../app/i18n/i18n";
import { chineseNumeral, lawEditions } from "../fixtures/editions";

const ok = (d: FormattedDiff) => {
  if (d.tooLarge) throw new Error(d.reason);
  return d;
};
type Fold = Extract<FormattedItem, { kind: "fold" }>;
const folds = (items: FormattedItem[]) => items.filter((i): i is Fold => i.kind === "fold");
const textOf = (html: string) => html.replace(/<[^>]+>/g, "");

afterEach(() => clearDiffCache());

describe("the comparison cache", () => {
  const pair = lawEditions();

  it("answers exactly what a fresh computation gives, and computes it once", () => {
    clearDiffCache();
    const fresh = formattedDiff(pair.old, pair.new);
    const first = cachedFormattedDiff(pair.old, pair.new);
    expect(first).toEqual(fresh);
    const again = cachedFormattedDiff(pair.old, pair.new);
    expect(again).toBe(first);
    const page = ok(fresh);
    for (const k of [0, Math.floor(page.folds / 2), page.folds - 1]) {
      expect(cachedFormattedFold(pair.old, pair.new, k)).toEqual(formattedDiffFold(pair.old, pair.new, k));
      expect(cachedFormattedFold(pair.old, pair.new, k)).toBe(cachedFormattedFold(pair.old, pair.new, k));
    }
    expect(cachedFormattedFold(pair.old, pair.new, page.folds + 5)).toBeUndefined();
    expect(cachedBlockChanges(pair.old, pair.new)).toEqual(blockChanges(pair.old, pair.new));
    expect(cachedLineDiff(pair.old, pair.new)).toEqual(diffTexts(pair.old, pair.new));
    // One entry for the pair: the page, the folds, the block changes and the line diff share it.
    const stats = diffCacheStats();
    expect(stats.entries).toBe(1);
    expect(stats.misses).toBe(1);
    expect(stats.hits).toBeGreaterThan(5);
  });

  it("opening a fold with ?expand renders afresh, and does not change the cached page", () => {
    const page = cachedFormattedDiff(pair.old, pair.new);
    const before = JSON.stringify(page);
    const expanded = ok(cachedFormattedDiff(pair.old, pair.new, { expand: [1] }));
    expect(expanded.items.some((i) => i.id === "fd-f1")).toBe(true);
    expect(JSON.stringify(cachedFormattedDiff(pair.old, pair.new))).toBe(before);
  });

  it("stays within its bound in memory, dropping the least recently used pair", () => {
    const texts = Array.from({ length: 6 }, (_, i) => lawEditions({ seed: 100 + i, targetBytes: 20 * 1024 }));
    // About two of these pairs fit.
    clearDiffCache(2 * 16 * (texts[0].old.length + texts[0].new.length) + 1000);
    for (const t of texts) cachedFormattedDiff(t.old, t.new);
    const stats = diffCacheStats();
    expect(stats.evictions).toBeGreaterThanOrEqual(3);
    expect(stats.entries).toBeLessThanOrEqual(3);
    // The last pair is still there; the first one is computed again.
    const last = texts[texts.length - 1];
    const misses = diffCacheStats().misses;
    cachedFormattedDiff(last.old, last.new);
    expect(diffCacheStats().misses).toBe(misses);
    cachedFormattedDiff(texts[0].old, texts[0].new);
    expect(diffCacheStats().misses).toBe(misses + 1);
  });

  it("warms a pair in the background, so the first reader finds it computed", async () => {
    clearDiffCache();
    const small = lawEditions({ seed: 7, targetBytes: 30 * 1024 });
    warmLater(async () => ({ oldText: small.old, newText: small.new }));
    // Nothing is computed while the publishing request is still being answered.
    expect(diffCacheStats().entries).toBe(0);
    await warmingDone();
    const misses = diffCacheStats().misses;
    cachedFormattedDiff(small.old, small.new);
    cachedLineDiff(small.old, small.new);
    expect(diffCacheStats().misses).toBe(misses);
  });

  it("a warm-up that cannot read its texts is skipped without harm", async () => {
    warmLater(async () => {
      throw new Error("version gone");
    });
    warmLater(async () => null);
    await warmingDone();
    expect(diffCacheStats().entries).toBe(0);
  });
});

describe("what the reader sees of changed paragraphs", () => {
  it("shows a long changed paragraph whole, not only its changed sentence", () => {
    const sentences = Array.from({ length: 8 }, (_, i) => `第${chineseNumeral(i + 1)}项要求应当由主管部门按照规定的程序审查并记录在案。`);
    const old = `# 条例\n\n第一条　${sentences.join("")}\n`;
    const neu = `# 条例\n\n第一条　${sentences.map((s, i) => (i === 4 ? s.replace("主管部门", "上级主管部门") : s)).join("")}\n`;
    const d = ok(formattedDiff(old, neu));
    const changed = d.items.find((i) => i.kind === "changed");
    if (!changed || changed.kind === "fold") throw new Error("no changed paragraph");
    const text = textOf(changed.html);
    for (const s of [sentences[0], sentences[3], sentences[7]]) expect(text).toContain(s);
    expect(text).not.toContain("［…］");
    expect(changed.html).toContain('<ins class="fd-i">上级</ins>');
  });
});

describe("a heavily amended law: the page shows the first changes, the rest load on demand", () => {
  const pair = lawEditions();
  const d = ok(formattedDiff(pair.old, pair.new));
  const more = folds(d.items).filter((f) => f.changed || f.add || f.del || f.moved);
  const shownBytes = d.items.reduce((n, i) => n + (i.kind === "fold" ? 0 : Buffer.byteLength(i.html)), 0);

  it("keeps the page's rendered blocks within the page budget", () => {
    expect(more.length).toBeGreaterThan(0);
    expect(shownBytes).toBeLessThan(130 * 1024);
    // Every change is somewhere: on the page or in a fold that says what it holds.
    const c = compareBlocks(pair.old, pair.new);
    const changedOps = c.ops.filter((op) => op.kind === "changed").length;
    const onPage = d.items.filter((i) => i.kind === "changed").length;
    const inFolds = folds(d.items).reduce((n, f) => n + (f.changed ?? 0), 0);
    expect(onPage + inFolds).toBe(changedOps);
  });

  it("a stretch of further changes loads with its own unchanged folds, which load in turn", () => {
    const stretch = more.find((f) => f.changed)!;
    const items = formattedDiffFold(pair.old, pair.new, stretch.fold)!;
    expect(items.filter((i) => i.kind === "changed").length).toBe(stretch.changed);
    const inner = folds(items)[0];
    expect(inner).toBeDefined();
    expect(inner.fold).toBeGreaterThan(stretch.fold);
    const innerItems = formattedDiffFold(pair.old, pair.new, inner.fold)!;
    expect(innerItems.length).toBe((inner.same ?? 0) + (inner.renum ?? 0) + (inner.add ?? 0) + (inner.del ?? 0));
    // Without JavaScript, ?expand of the inner fold opens the stretch around it too.
    const expanded = ok(formattedDiff(pair.old, pair.new, { expand: [inner.fold] }));
    const html = (list: FormattedItem[]) => list.map((i) => (i.kind === "fold" ? "" : i.html)).join("");
    expect(html(expanded.items)).toContain(html(innerItems));
    expect(expanded.items.some((i) => i.id === `fd-f${inner.fold}`)).toBe(true);
  });

  it("summary links to changes in a folded stretch land on the fold", () => {
    const ids = new Set(d.items.map((i) => (i.kind === "fold" ? i.id ?? `fd-f${i.fold}` : i.id)).filter(Boolean));
    const toStretch = d.summary.entries.filter((e) => more.some((f) => e.anchor === `fd-f${f.fold}`));
    expect(toStretch.length).toBeGreaterThan(0);
    for (const e of d.summary.entries) expect(ids.has(e.anchor), `${e.label} → #${e.anchor}`).toBe(true);
  });

  it("a 'moved to' stub whose block is in a folded stretch links to that stretch", () => {
    const ids = new Set(d.items.map((i) => (i.kind === "fold" ? i.id ?? `fd-f${i.fold}` : i.id)).filter(Boolean));
    const stubs = d.items.filter((i) => i.kind === "movedFrom");
    expect(stubs.length).toBeGreaterThan(0);
    expect(stubs.some((i) => i.kind === "movedFrom" && more.some((f) => i.ref === `fd-f${f.fold}`))).toBe(true);
    for (const i of stubs) if (i.kind === "movedFrom") expect(ids.has(i.ref!), `#${i.ref}`).toBe(true);
  });

  it("the fold says how many changes it holds, in both languages", () => {
    for (const [locale, word] of [["en", "more changed paragraphs"], ["zh-CN", "段修改"]] as const) {
      const html = renderToStaticMarkup(
        createElement(FormattedDiffView, { diff: d, t: translator(locale), folds: { href: (k: number) => `?expand=${k}`, src: (k: number) => `/f?fold=${k}` }, labels: { tooLarge: "x", identical: "y" } }),
      );
      expect(html).toContain(word);
      expect(html).toContain(`href="?expand=${more[0].fold}"`);
    }
  });
});

describe("images in a cached diff", () => {
  it("point at each view's own files, also when the page comes from the cache", () => {
    const oldText = "# 看板\n\n第一条 旧的说明。\n";
    const newText = "# 看板\n\n第一条 新的说明。\n\n![截图](attachments/shot.png)\n";
    const bases = { old: "/docs/OPS-001/v/1/", new: "/proposals/P-0009/" };
    const srcs = (d: FormattedDiff) => (d.tooLarge ? [] : d.items.flatMap((i) => ("html" in i ? [...i.html.matchAll(/src="([^"]+)"/g)].map((m) => m[1]) : [])));
    // A first view without bases (as the warming after a submission renders it) fills the cache.
    expect(srcs(cachedFormattedDiff(oldText, newText))).toEqual(["attachments/shot.png"]);
    expect(srcs(cachedFormattedDiff(oldText, newText, { attachmentBases: bases }))).toEqual(["/proposals/P-0009/attachments/shot.png"]);
    expect(srcs(cachedFormattedDiff(oldText, newText, { attachmentBases: { new: "/docs/OPS-001/v/2/" } }))).toEqual(["/docs/OPS-001/v/2/attachments/shot.png"]);
  });
});
