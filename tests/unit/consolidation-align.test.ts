/**
 * Aligning copies of a manual clause by clause: article labels in Chinese
 * numerals and digits, decimal numbering, headings, clauses one copy lacks,
 * unlabelled paragraphs matched by their text, word-level marks in Chinese,
 * and the draft built from the controller's choices.
 */
import { describe, expect, it } from "vitest";
import { alignClauses, chineseNumber, splitClauses } from "~/consolidation/align";
import { buildView } from "~/consolidation/consolidations.server";
import { copiesOf, copyCandidate, copyGroups } from "~/consolidation/detect";
import { chineseNumeral, manualCopies } from "../fixtures/manual-copies";

describe("article numbers", () => {
  it("reads Chinese numerals and digits alike", () => {
    expect(chineseNumber("一")).toBe(1);
    expect(chineseNumber("十")).toBe(10);
    expect(chineseNumber("十二")).toBe(12);
    expect(chineseNumber("二十")).toBe(20);
    expect(chineseNumber("一百零五")).toBe(105);
    expect(chineseNumber("一百二十三")).toBe(123);
    expect(chineseNumber("12")).toBe(12);
    expect(chineseNumber("二〇")).toBe(20);
    expect(Number.isNaN(chineseNumber("甲"))).toBe(true);
    for (const n of [1, 9, 10, 11, 19, 20, 47, 99, 100, 101, 110, 119, 250, 999]) expect(chineseNumber(chineseNumeral(n))).toBe(n);
  });
});

describe("splitting a manual into clauses", () => {
  it("starts a clause at headings, 第N条 and decimal numbers, and keeps the preamble", () => {
    const clauses = splitClauses("前言一段。\n\n## 第一章 总则\n\n第一条 目的。\n续行。\n\n第2条 范围。\n\n### 1.2 定义\n\n文字\n\n```\n第三条 在代码里不算\n```\n");
    expect(clauses.map((c) => c.key)).toEqual(["pre", "章:1", "art:1", "art:2", "num:1.2"]);
    expect(clauses[2].text).toBe("第一条 目的。\n续行。");
    expect(clauses[4].text).toContain("第三条 在代码里不算");
  });

  it("tells repeated headings apart by their order", () => {
    const keys = splitClauses("## 说明\n\na\n\n## 说明\n\nb").map((c) => c.key);
    expect(keys[0]).not.toBe(keys[1]);
  });
});

describe("aligning copies", () => {
  it("matches 第十二条 with 第12条, marks agreement, difference and absence", () => {
    const a = "第十一条 甲。\n\n第十二条 审批时限为3个工作日。\n\n第十三条 归档。";
    const b = "第11条 甲。\n\n第12条 审批时限为5个工作日。\n\n第13条 归档。";
    const c = "第十一条 甲。\n\n第十二条 审批时限为3个工作日。";
    const rows = alignClauses([a, b, c].map(splitClauses));
    expect(rows.map((r) => [r.key, r.state])).toEqual([
      ["art:11", "same"],
      ["art:12", "differ"],
      ["art:13", "partial"],
    ]);
    expect(rows[1].variants.map((v) => v.copies)).toEqual([[0, 2], [1]]);
    expect(rows[2].cells[2]).toBeNull();
  });

  it("places a clause only one copy has after that copy's previous clause", () => {
    const a = "## 总则\n\n甲\n\n## 附则\n\n乙";
    const b = "## 总则\n\n甲\n\n## 补充规定\n\n丙\n\n## 附则\n\n乙";
    const rows = alignClauses([a, b].map(splitClauses));
    expect(rows.map((r) => r.label)).toEqual(["总则", "补充规定", "附则"]);
    expect(rows[1].state).toBe("partial");
  });

  it("matches unlabelled paragraphs by their text", () => {
    const a = "## 说明\n\n本制度适用于公司全体员工。";
    const b = "## 适用说明\n\n本制度适用于公司全体员工及外包人员。";
    const rows = alignClauses([a, b].map(splitClauses));
    expect(rows).toHaveLength(1);
    expect(rows[0].state).toBe("differ");
  });

  it("marks the changed figure word by word in Chinese", () => {
    const view = buildView(["第一条 审批时限为三个工作日。", "第一条 审批时限为五个工作日。"], {});
    const marks = view.rows[0].variants[1].segments.filter((s) => s.kind !== "same").map((s) => `${s.kind}:${s.text}`);
    expect(marks).toEqual(["del:三", "add:五"]);
    expect(view.counts).toMatchObject({ differ: 1, undecided: 1 });
  });

  it("builds the draft from the choices: a copy's text, an edit, or leaving a clause out", () => {
    const a = "第一条 甲。\n\n第二条 乙三天。\n\n第三条 丙。";
    const b = "第一条 甲。\n\n第二条 乙五天。";
    const undecided = buildView([a, b], {});
    expect(undecided.counts.undecided).toBe(2);
    expect(undecided.draft).toBe("第一条 甲。\n");
    const view = buildView([a, b], { r1: { pick: 1 }, r2: { text: "第三条 丙（修订）。" } });
    expect(view.counts.undecided).toBe(0);
    expect(view.draft).toBe("第一条 甲。\n\n第二条 乙五天。\n\n第三条 丙（修订）。\n");
    expect(buildView([a, b], { r1: { pick: 0 }, r2: { omit: true } }).draft).toBe("第一条 甲。\n\n第二条 乙三天。\n");
  });

  it("aligns three generated copies of a manual: the clauses that differ are those generated to differ", () => {
    const m = manualCopies({ articles: 40, seed: 5 });
    const view = buildView(m.copies, {});
    const articleRows = view.rows.filter((r) => r.label.startsWith("第") && r.label.endsWith("条"));
    expect(articleRows).toHaveLength(40);
    const differing = articleRows.filter((r) => r.state !== "same").length;
    expect(differing).toBe(m.divergent);
    expect(differing / 40).toBeGreaterThan(0.35);
    expect(differing / 40).toBeLessThan(0.45);
  });
});

describe("finding copies", () => {
  it("groups copies by similar title or shared text and leaves unrelated documents out", () => {
    const m = manualCopies({ articles: 30 });
    const items = [
      copyCandidate("生产运营流程手册", m.copies[0]),
      copyCandidate("员工考勤制度", "第一条 员工应当按时上下班，迟到三次以上的，由人事部约谈。第二条 请假须提前申请。"),
      copyCandidate("生产运营流程手册（2019版）", m.copies[1]),
      copyCandidate("运营部流程汇编", m.copies[2]),
    ];
    const groups = copyGroups(items);
    expect(groups.map((g) => g.members)).toEqual([[0, 2, 3]]);
    const titlePair = groups[0].pairs.find((p) => p.a === 0 && p.b === 2)!;
    expect(titlePair.sameTitle).toBe(true);
    const textPair = groups[0].pairs.find((p) => p.a === 0 && p.b === 3)!;
    expect(textPair.similarity).toBeGreaterThan(0.5);
    const probe = copiesOf(copyCandidate("新文件", m.copies[2]), items);
    expect(probe.map((x) => x.index).sort()).toEqual([0, 2, 3]);
    expect(probe[0].similarity).toBe(1);
  });
});
