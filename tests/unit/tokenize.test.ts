/**
 * The tokenizer both engines share: folding (Traditional → Simplified,
 * full-width → ASCII, case), Chinese character pairs across word boundaries,
 * English words without stemming, and query parsing.
 */
import { describe, expect, it } from "vitest";
import { bitCount, fold, foldSparse, foldWithOffsets, indexTerms, matchedGroups, minimumGroups, opaqueTerms, opaqueToken, parseQuery, synonymMap, typoBudget } from "~/search/tokenize";

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

describe("sparse folding", () => {
  it("gives the same text as folding and points every 64th unit back at its original character", () => {
    const original = "第一條　總則\n\n  ".repeat(40) + "ＡＢ處理";
    const sparse = foldSparse(original);
    const full = foldWithOffsets(original);
    expect(sparse.text).toBe(full.text);
    sparse.marks.forEach((offset, k) => expect(offset).toBe(full.start[k * 64]));
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
    // Joined words with a digit must occur as written; joined words of letters only tolerate typos like separate words.
    expect(parseQuery('"Root cause" EXE-003 multi-factor').exact).toEqual(["root cause", "exe-003"]);
  });

  it("reads a query as parts, each matched by what was typed or a synonym", () => {
    const synonyms = synonymMap([["加班", "延长工作时间"], ["出境", "境外"]]);
    const q = parseQuery("个人信息 出境", synonyms);
    expect(q.groups.map((g) => [g.text, g.alternatives.map((a) => a.exact ?? a.text)])).toEqual([
      ["个人信息", ["个人信息"]],
      ["出境", ["出境", "境外"]],
    ]);
    // A run typed without spaces is split around a term of the vocabulary.
    expect(parseQuery("加班工资", synonyms).groups.map((g) => g.text)).toEqual(["加班", "工资"]);
    expect(parseQuery("加班工资", synonyms).groups[0].alternatives[1].terms.map((t) => t.term)).toEqual(["延长", "长工", "工作", "作时", "时间"]);
    // Traditional terms in the list or the query fold to the same.
    expect(parseQuery("出境", synonymMap([["出境", "境外"]])).groups[0].alternatives.length).toBe(2);
    expect(parseQuery("加班工资").groups.map((g) => g.text)).toEqual(["加班工资"]);
  });

  it("lets typos inside hyphenated words count like typos in separate words", () => {
    const joined = parseQuery("anti-bribry policy");
    const apart = parseQuery("anti bribry policy");
    expect(joined.exact).toEqual([]);
    expect(joined.terms.map((t) => [t.term, t.fuzzy])).toEqual(apart.terms.map((t) => [t.term, t.fuzzy]));
    expect(joined.groups[0].alternatives[0].terms.map((t) => t.term)).toEqual(["anti", "bribry"]);
  });

  it("needs at least half of the parts for a document to be listed", () => {
    expect([1, 2, 3, 4, 5].map(minimumGroups)).toEqual([1, 1, 2, 2, 3]);
    const q = parseQuery("会计 档案 保管");
    // Alternatives 0..2 are the three parts; a document matching parts 0 and 2 (no exact text needed) matches two.
    expect(bitCount(matchedGroups(q, 0b101, ["…"]))).toBe(2);
    // An exact run (3+ characters) counts only where it occurs.
    const long = parseQuery("审批时限 付款");
    expect(matchedGroups(long, 0b11, ["审批 时限 付款"])).toBe(0b10);
    expect(matchedGroups(long, 0b11, ["审批时限内付款"])).toBe(0b11);
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

describe("index terms of long folded text", () => {
  it("are the same as the terms of the general tokenizer", async () => {
    const { indexTermsOfFolded, termsOfFolded, fold } = await import("~/search/tokenize");
    const text = fold("第十条　經營者不得以不正當手段獲取權利人的商業秘密；ISO9001 審核 checklist, EXE-003 v1.2 𠀀𠀁好。\n\n（一）表");
    expect(indexTermsOfFolded(text)).toEqual(termsOfFolded(text).map((t) => t.term));
  });
});
