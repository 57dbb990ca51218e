/**
 * The similarity module behind duplicate groups: Chinese character and
 * English word shingles, bottom-k sketches, candidate pairs without comparing
 * every pair, and groups.
 */
import { describe, expect, it } from "vitest";
import { estimateSimilarity, groupsOf, similarPairs, sketchText, textTokens, titleKey } from "~/import/similarity";

/** A regulation-shaped text: numbered articles of repeated legal vocabulary. */
function regulation(subject: string, articles: number, seed: number): string {
  const duties = ["应当建立健全内部管理制度", "应当依法履行报告义务", "不得擅自变更用途", "应当妥善保管相关档案", "应当接受监督检查"];
  const out = [`# ${subject}管理办法`, "", "## 第一章 总则", ""];
  for (let i = 1; i <= articles; i++) {
    const a = duties[(i * seed) % duties.length];
    const b = duties[(i * seed + 2) % duties.length];
    out.push(`第${i}条 从事${subject}活动的单位${a}，并${b}。违反本条规定的，由主管部门责令改正，处${i * seed}万元以下罚款。`, "");
  }
  return out.join("\n");
}

describe("tokens", () => {
  it("splits Chinese into characters and other text into lower-cased words, ignoring markdown and punctuation", () => {
    expect(textTokens("## **Access-Control** policy：第一条abc")).toEqual(["access", "control", "policy", "第", "一", "条", "abc"]);
    expect(textTokens("ＡＢＣ　１２３")).toEqual(["abc", "123"]); // full-width folded
  });

  it("keys titles by their words only", () => {
    expect(titleKey("Access Control — Policy")).toBe(titleKey("access control policy"));
    expect(titleKey("民法典 · 合同编")).not.toBe(titleKey("民法典 · 物权编"));
  });
});

describe("sketches", () => {
  const law = regulation("证券", 120, 3);

  it("finds the same text the same, whatever the spacing and punctuation", () => {
    const a = sketchText(law);
    const b = sketchText(law.replace(/，/g, ", ").replace(/\n\n/g, "\n"));
    expect(a.digest).toBe(b.digest);
    expect(estimateSimilarity(a, b)).toBe(1);
  });

  it("rates an amended edition close, a different regulation far", () => {
    const amended = law.replace(/第(7|8|9)条 [^\n]+/g, "第$1条 本条已删除，相关事项按照新的实施细则办理。");
    const other = regulation("保险", 120, 4);
    const same = estimateSimilarity(sketchText(law), sketchText(amended));
    const different = estimateSimilarity(sketchText(law), sketchText(other));
    expect(same).toBeGreaterThan(0.85);
    expect(same).toBeLessThan(1);
    expect(different).toBeLessThan(0.5);
  });

  it("is exact for short texts", () => {
    // 5 words → 2 four-word shingles each; one shared of three in all.
    expect(estimateSimilarity(sketchText("one two three four five"), sketchText("one two three four six"))).toBeCloseTo(1 / 3, 5);
    expect(estimateSimilarity(sketchText("hello"), sketchText("hello"))).toBe(1);
    expect(estimateSimilarity(sketchText(""), sketchText("words here"))).toBe(0);
  });

  it("sketches a 200 KB law in one pass", () => {
    const big = regulation("银行", 2500, 7);
    expect(big.length).toBeGreaterThan(150_000);
    const s = sketchText(big);
    expect(s.mins.length).toBe(128);
    expect([...s.mins]).toEqual([...s.mins].sort((a, b) => a - b));
  });
});

describe("pairs and groups", () => {
  it("pairs identical and near-identical texts, and leaves unrelated ones alone", () => {
    const words = "badge visitor door camera alarm expense receipt manager travel hotel flight invoice ledger laptop password vendor contract audit training".split(" ");
    // Each topic writes its own sentences from a shuffled vocabulary, so only copies of one topic share text.
    const handbook = (topic: string) => {
      let seed = [...topic].reduce((n, c) => n * 31 + c.charCodeAt(0), 7) >>> 0;
      const pick = () => words[(seed = (seed * 1103515245 + 12345) >>> 0) % words.length];
      return `# ${topic}\n\n${Array.from({ length: 40 }, (_, i) => `Rule ${i + 1}: the ${pick()} and the ${pick()} need a ${pick()} before any ${pick()} or ${pick()} is used.`).join("\n\n")}`;
    };
    const texts = [
      handbook("Access Control"),
      handbook("Expense Claims"),
      handbook("Access Control"), // identical to 0
      handbook("Access Control").replace("Rule 3:", "Rule 3 (revised):"), // near 0
      handbook("Travel Booking"),
    ];
    const pairs = similarPairs(texts.map((t) => sketchText(t)), 0.8);
    expect(pairs.map((p) => [p.a, p.b, p.identical])).toEqual([
      [0, 2, true],
      [0, 3, false], // copies are compared through the first of them only
    ]);
    expect(groupsOf(texts.length, pairs.map((p) => [p.a, p.b] as const))).toEqual([[0, 2, 3]]);
  });

  it("pairs a hundred copies with the first one, not with each other", () => {
    const copy = sketchText("第一条 为了规范公司的采购行为，降低采购成本，制定本制度。");
    const pairs = similarPairs(Array.from({ length: 100 }, () => copy));
    expect(pairs).toHaveLength(99);
    expect(pairs.every((p) => p.a === 0 && p.identical)).toBe(true);
  });

  it("groups connected items and drops singletons", () => {
    expect(groupsOf(6, [[4, 5], [0, 2], [2, 3]])).toEqual([[0, 2, 3], [4, 5]]);
    expect(groupsOf(3, [])).toEqual([]);
  });
});
