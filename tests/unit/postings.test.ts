import MiniSearch from "minisearch";
import { describe, expect, it } from "vitest";
import { PostingsIndex, type QueryTermSpec } from "~/search/postings";
import { indexTerms } from "~/search/tokenize";

const BOOSTS = [6, 3, 2, 1];

const DOCS = [
  { id: "EXE-001", number: "EXE-001 EXE001", title: "采购审批流程", body: "采购申请需部门负责人审批。审批通过后由采购部执行。Purchase approval workflow." },
  { id: "EXE-002", number: "EXE-002 EXE002", title: "设备巡检规程", body: "设备巡检每周一次，巡检记录归档。Inspection records are archived weekly." },
  { id: "MON-001", number: "MON-001 MON001", title: "质量检验报告", body: "质量检验发现偏差时，填写纠正措施。Quality inspection and corrective action." },
  { id: "ACC-001", number: "ACC-001 ACC001", title: "Acceptance of deliveries", body: "交付验收由质量部负责，审批后入库。Delivery acceptance needs approval." },
  { id: "INI-001", number: "INI-001 INI001", title: "新员工入职培训", body: "入职培训包括安全培训和流程文档阅读。Onboarding training and safety." },
];

function fieldsOf(d: (typeof DOCS)[number]) {
  return [indexTerms(d.number), indexTerms(d.title), [], indexTerms(d.body)];
}

function ourIndex() {
  const index = new PostingsIndex();
  for (const d of DOCS) index.add(d.id, fieldsOf(d));
  return index;
}

function miniIndex() {
  const mini = new MiniSearch<(typeof DOCS)[number]>({
    fields: ["number", "title", "body"],
    tokenize: (text) => indexTerms(text),
    processTerm: (term) => term,
    searchOptions: { tokenize: (text) => [text], processTerm: (term) => term },
  });
  mini.addAll(DOCS);
  return mini;
}

function miniScores(mini: MiniSearch, query: QueryTermSpec[], fields: string[]) {
  const results = mini.search(
    { combineWith: "AND", queries: query.map((q) => ({ queries: [q.term], prefix: q.prefix, fuzzy: q.fuzzy || false })) },
    { fields, boost: { number: 6, title: 3, body: 1 } },
  );
  return new Map(results.map((r) => [r.id as string, r.score]));
}

const QUERIES: QueryTermSpec[][] = [
  [{ term: "审批", prefix: false, fuzzy: 0 }],
  [{ term: "采购", prefix: false, fuzzy: 0 }, { term: "审批", prefix: false, fuzzy: 0 }],
  [{ term: "质", prefix: true, fuzzy: 0 }],
  [{ term: "inspecton", prefix: false, fuzzy: 1 }],
  [{ term: "appro", prefix: true, fuzzy: 1 }],
  [{ term: "exe", prefix: true, fuzzy: 0 }],
  [{ term: "training", prefix: false, fuzzy: 1 }, { term: "入职", prefix: false, fuzzy: 0 }],
];

describe("the postings index", () => {
  it("scores every query as MiniSearch does over the same terms, over all fields and over number and title", () => {
    const index = ourIndex();
    const mini = miniIndex();
    for (const query of QUERIES) {
      const ours = index.search(query, BOOSTS).matches;
      const full = miniScores(mini, query, ["number", "title", "body"]);
      const limited = miniScores(mini, query, ["number", "title"]);
      expect(new Set(ours.filter((m) => m.full > 0).map((m) => m.id)), JSON.stringify(query)).toEqual(new Set(full.keys()));
      expect(new Set(ours.filter((m) => m.limited > 0).map((m) => m.id)), JSON.stringify(query)).toEqual(new Set(limited.keys()));
      for (const m of ours) {
        if (m.full) expect(m.full).toBeCloseTo(full.get(m.id)!, 9);
        if (m.limited) expect(m.limited).toBeCloseTo(limited.get(m.id)!, 9);
      }
    }
    expect(index.search(QUERIES[1], BOOSTS).matches.map((m) => m.id)).toEqual(["EXE-001"]);
  });

  it("requires every term (AND) and finds nothing for an unknown term", () => {
    const index = ourIndex();
    expect(index.search([{ term: "审批", prefix: false, fuzzy: 0 }], BOOSTS).matches.map((m) => m.id).sort()).toEqual(["ACC-001", "EXE-001"]);
    const none = index.search(
      [
        { term: "审批", prefix: false, fuzzy: 0 },
        { term: "巡检", prefix: false, fuzzy: 0 },
      ],
      BOOSTS,
    );
    expect(none.matches).toEqual([]);
    expect(index.search([{ term: "鹦鹉", prefix: false, fuzzy: 0 }], BOOSTS).matches).toEqual([]);
  });

  it("names the indexed terms a document matched, for highlighting typo and prefix matches", () => {
    const index = ourIndex();
    const found = index.search([{ term: "inspecton", prefix: false, fuzzy: 1 }], BOOSTS);
    expect(found.matches.map((m) => m.id).sort()).toEqual(["EXE-002", "MON-001"]);
    expect(found.matchedTerms("MON-001", "all")).toEqual(["inspection"]);
    expect(found.matchedTerms("MON-001", "number-title")).toEqual([]);
    expect(found.matchedTerms("EXE-001", "all")).toEqual([]);
  });

  it("forgets replaced and removed documents, before and after compaction", () => {
    const index = ourIndex();
    index.add("EXE-001", [indexTerms("EXE-001"), indexTerms("付款规程"), [], indexTerms("付款前核对发票。")]);
    const approve = [{ term: "审批", prefix: false, fuzzy: 0 }];
    expect(index.search(approve, BOOSTS).matches.map((m) => m.id)).toEqual(["ACC-001"]);
    expect(index.search([{ term: "发票", prefix: false, fuzzy: 0 }], BOOSTS).matches.map((m) => m.id)).toEqual(["EXE-001"]);
    expect(index.remove("ACC-001")).toBe(true);
    expect(index.remove("ACC-001")).toBe(false);
    expect(index.search(approve, BOOSTS).matches).toEqual([]);
    const before = index.search([{ term: "培训", prefix: false, fuzzy: 0 }], BOOSTS).matches;
    index.compact();
    expect(index.size).toBe(4);
    expect(index.search([{ term: "培训", prefix: false, fuzzy: 0 }], BOOSTS).matches).toEqual(before);
    expect(index.search([{ term: "发票", prefix: false, fuzzy: 0 }], BOOSTS).matches.map((m) => m.id)).toEqual(["EXE-001"]);
  });

  it("compacts by itself after many replacements and keeps answering the same", () => {
    const index = new PostingsIndex();
    for (let i = 0; i < 20; i++) index.add(`D-${i}`, [[`d${i}`], ["标题"], [], [`正文${i % 3}`, "共同"]]);
    const query = [{ term: "共同", prefix: false, fuzzy: 0 }];
    const expected = index.search(query, BOOSTS).matches.map((m) => [m.id, m.full]);
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 20; i++) index.add(`D-${i}`, [[`d${i}`], ["标题"], [], [`正文${i % 3}`, "共同"]]);
    }
    expect(index.size).toBe(20);
    const after = index.search(query, BOOSTS).matches.map((m) => [m.id, m.full]);
    expect(after.map(([id]) => id).sort()).toEqual(expected.map(([id]) => id).sort());
    for (const [id, score] of after) expect(score).toBeCloseTo(expected.find(([e]) => e === id)![1] as number, 9);
  });

  it("is saved and loaded without changing a single answer", () => {
    const index = ourIndex();
    index.remove("EXE-002");
    const saved = JSON.parse(JSON.stringify(index.toJSON()));
    const loaded = PostingsIndex.fromJSON(saved);
    expect(loaded.size).toBe(4);
    expect(loaded.has("EXE-002")).toBe(false);
    for (const query of QUERIES) expect(loaded.search(query, BOOSTS).matches).toEqual(index.search(query, BOOSTS).matches);
    loaded.add("EXE-009", [indexTerms("EXE-009"), indexTerms("审批补充"), [], indexTerms("补充说明")]);
    expect(loaded.search([{ term: "审批", prefix: false, fuzzy: 0 }], BOOSTS).matches.map((m) => m.id)).toContain("EXE-009");
  });

  it("refuses a saved index that is truncated or does not add up", () => {
    const saved = ourIndex().toJSON();
    expect(() => PostingsIndex.fromJSON({ ...saved, postings: saved.postings.slice(0, 40) })).toThrow(/postings/);
    expect(() => PostingsIndex.fromJSON({ ...saved, terms: saved.terms.slice(1) })).toThrow(/counts/);
    expect(() => PostingsIndex.fromJSON({ ...saved, lengths: saved.lengths.slice(4) })).toThrow(/lengths/);
    expect(() => PostingsIndex.fromJSON({ ...saved, ids: saved.ids.slice(0, 2), lengths: saved.lengths.slice(0, 8) })).toThrow(/past the documents/);
  });

  it("ranks by parts matched: a document matching one part of two is found, and a part matches through any of its alternatives", () => {
    const index = ourIndex();
    const term = (t: string) => ({ term: t, prefix: false, fuzzy: 0 });
    // Part 0: 审批 or (synonym) 巡检; part 1: 入库.
    const found = index.searchAlternatives(
      [
        { group: 0, terms: [term("审批")] },
        { group: 0, terms: [term("巡检")] },
        { group: 1, terms: [term("入库")] },
      ],
      BOOSTS,
    );
    const byId = new Map(found.matches.map((m) => [m.id, m]));
    expect([...byId.keys()].sort()).toEqual(["ACC-001", "EXE-001", "EXE-002"]);
    expect(byId.get("ACC-001")!.fullMask).toBe(0b101); // 审批 and 入库
    expect(byId.get("EXE-002")!.fullMask).toBe(0b010); // only through the synonym
    expect(byId.get("EXE-001")!.fullMask).toBe(0b001);
    // Terms of one alternative must all occur: 采购 + 巡检 occur in no single document.
    const both = index.searchAlternatives([{ group: 0, terms: [term("采购"), term("巡检")] }], BOOSTS);
    expect(both.matches).toEqual([]);
  });

  it("counts a part once, with its best alternative", () => {
    const index = ourIndex();
    const term = (t: string) => ({ term: t, prefix: false, fuzzy: 0 });
    const one = index.searchAlternatives([{ group: 0, terms: [term("审批")] }], BOOSTS).matches.find((m) => m.id === "EXE-001")!;
    const twice = index.searchAlternatives(
      [
        { group: 0, terms: [term("审批")] },
        { group: 0, terms: [term("审批")] },
      ],
      BOOSTS,
    ).matches.find((m) => m.id === "EXE-001")!;
    expect(twice.full).toBeCloseTo(one.full, 9);
  });
});
