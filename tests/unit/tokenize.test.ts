/**
 * The tokenizer both engines share: folding (Traditional → Simplified,
 * full-width → ASCII, case), Chinese character pairs across word boundaries,
 * English words without stemming, and query parsing.
 */
import { describe, expect, it } from "vitest";
import { fold, foldWithOffsets, indexTerms, opaqueTerms, opaqueToken, parseQuery, typoBudget } from "~/search/tokenize";

describe("folding", () => {
  it("turns Traditional into Simplified, full-width into ASCII and upper into lower case", () => {
    expect(fold("流程文檔版本控制失效")).toBe("流程文档版本控制失效");
    expect(fold("待處理的審批記錄")).toBe("待处理的审批记录");
    expect(fold("ＩＳＯ ９００１ Approval")).toBe("iso 9001 approval");
    expect(fold("衞生 裏面")).toBe("卫生 里面");
  });

  it("keeps Simplified text as it is and collapses whitespace", () => {
    expect(fold("  质量   管理\t手册 ")).toBe("质量 管理 手册");
  });

  it("joins a line wrapped inside a Chinese sentence but not paragraphs or spaces", () => {
    expect(fold("版本\n控制")).toBe("版本控制");
    expect(fold("版本\n\n控制")).toBe("版本 控制");
    expect(fold("版本 控制")).toBe("版本 控制");
    expect(fold("version\ncontrol")).toBe("version control");
  });

  it("maps every folded unit back to the original characters", () => {
    const original = "第𠀀條 ＡＢ處理";
    const f = foldWithOffsets(original);
    const at = f.text.indexOf("处理");
    expect(original.slice(f.start[at], f.end[at + 1])).toBe("處理");
    const ab = f.text.indexOf("ab");
    expect(original.slice(f.start[ab], f.end[ab + 1])).toBe("ＡＢ");
    const ext = f.text.indexOf("𠀀");
    expect(original.slice(f.start[ext], f.end[ext + 1])).toBe("𠀀");
  });
});

describe("index terms", () => {
  it("indexes every pair of neighbouring Chinese characters, across word boundaries", () => {
    const terms = indexTerms("流程文檔版本控制失效");
    expect(terms).toEqual(["流程", "程文", "文档", "档版", "版本", "本控", "控制", "制失", "失效", "效"]);
  });

  it("keeps a lone Chinese character and the last character of each run", () => {
    expect(indexTerms("表")).toEqual(["表"]);
    expect(indexTerms("待处理。好")).toEqual(["待处", "处理", "理", "好"]);
  });

  it("indexes English words as they are, without stemming", () => {
    expect(indexTerms("Policies for Approvals, EXE-003 and v1.2")).toEqual(["policies", "for", "approvals", "exe", "003", "and", "v1.2"]);
  });

  it("handles mixed text in order", () => {
    expect(indexTerms("ISO9001审核checklist")).toEqual(["iso9001", "审核", "核", "checklist"]);
  });
});

describe("queries", () => {
  it("turns a Chinese fragment into its pairs, all required", () => {
    const q = parseQuery("版本控制");
    expect(q.terms.map((t) => [t.term, t.kind, t.prefix, t.fuzzy])).toEqual([
      ["版本", "pair", false, 0],
      ["本控", "pair", false, 0],
      ["控制", "pair", false, 0],
    ]);
    expect(q.cjkRuns).toEqual(["版本控制"]);
  });

  it("folds a Traditional query to the same terms as its Simplified form", () => {
    expect(parseQuery("處理").terms).toEqual(parseQuery("处理").terms);
  });

  it("searches a single character by prefix", () => {
    expect(parseQuery("表").terms).toEqual([{ term: "表", kind: "char", prefix: true, fuzzy: 0 }]);
  });

  it("treats the last word as a prefix while it is being typed", () => {
    expect(parseQuery("approval wor").terms.map((t) => [t.term, t.prefix])).toEqual([
      ["approval", false],
      ["wor", true],
    ]);
    expect(parseQuery("approval wor ").terms.map((t) => t.prefix)).toEqual([false, false]);
  });

  it("allows typos like Meilisearch: one from five letters, two from nine, none in numbers", () => {
    expect(typoBudget("audit")).toBe(1);
    expect(typoBudget("form")).toBe(0);
    expect(typoBudget("procurement")).toBe(2);
    expect(typoBudget("iso9001")).toBe(0);
  });

  it("reads quoted phrases, straight or Chinese quotes, and requires their words too", () => {
    const q = parseQuery('"Exact Phrase" 以及 「版本 控制」');
    expect(q.phrases).toEqual(["exact phrase", "版本 控制"]);
    expect(q.terms.map((t) => t.term)).toEqual(["exact", "phrase", "以及", "版本", "控制"]);
    expect(q.terms.every((t) => !t.prefix)).toBe(true);
  });

  it("requires long Chinese runs, phrases and joined words to occur as they are", () => {
    expect(parseQuery("审批时限 待处理").exact).toEqual(["审批时限", "待处理"]);
    expect(parseQuery("处理").exact).toEqual([]);
    expect(parseQuery('"Root cause" EXE-003 multi-factor').exact).toEqual(["root cause", "exe-003", "multi-factor"]);
  });

  it("ignores an unbalanced quote and repeated terms", () => {
    const q = parseQuery('"approval approval');
    expect(q.phrases).toEqual(["approval approval"]);
    expect(q.terms.map((t) => t.term)).toEqual(["approval"]);
  });

  it("gives nothing to search for punctuation only", () => {
    expect(parseQuery(" ，。!? ").terms).toEqual([]);
  });
});

describe("opaque pair tokens", () => {
  it("spells each Chinese term as one fixed-width run of Latin letters", () => {
    const pair = opaqueToken("处理");
    const char = opaqueToken("处");
    expect(pair).toMatch(/^qz[a-z]{10}$/);
    expect(char).toMatch(/^qz[a-z]{5}$/);
    expect(pair.startsWith(char)).toBe(true);
    expect(opaqueToken("处置")).not.toBe(pair);
    expect(opaqueToken("𠀀𠀁")).toMatch(/^qz[a-z]{10}$/);
  });

  it("lists a text's Chinese terms only", () => {
    expect(opaqueTerms("審批 approval").split(" ")).toEqual([opaqueToken("审批"), opaqueToken("批")]);
  });
});
