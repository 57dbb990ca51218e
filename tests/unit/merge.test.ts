/**
 * Three-way merge of stale proposals: clean merges keep both sides' changes,
 * overlapping edits become conflicts showing both sides, and no change is
 * ever dropped silently.
 */
import { describe, expect, it } from "vitest";
import { joinLines, mergeFields, mergeTexts, resolveMerge, splitLines } from "~/revisions/merge.server";

const base = joinLines([
  "# 出差报销流程",
  "",
  "1. 填写报销单。",
  "2. 部门主管签字。",
  "3. 财务审核。",
  "4. 出纳付款。",
  "",
  "## 附则",
  "本流程自发布之日起执行。",
]);

function edit(text: string, from: string, to: string) {
  if (!text.includes(from)) throw new Error(`missing ${from}`);
  return text.replace(from, to);
}

describe("three-way merge", () => {
  it("keeps both sides' changes when they touch different lines", () => {
    const current = edit(base, "3. 财务审核。", "3. 财务部在 3 个工作日内审核。");
    const proposal = edit(base, "本流程自发布之日起执行。", "本流程自 2025 年 7 月 1 日起执行。");
    const result = mergeTexts(base, current, proposal);
    expect(result.clean).toBe(true);
    expect(result.text).toContain("3. 财务部在 3 个工作日内审核。");
    expect(result.text).toContain("本流程自 2025 年 7 月 1 日起执行。");
    expect(splitLines(result.text!)).toHaveLength(splitLines(base).length);
  });

  it("merges changes on neighbouring lines and insertions in different places", () => {
    const current = edit(base, "2. 部门主管签字。", "2. 部门负责人签字。");
    const proposal = edit(edit(base, "3. 财务审核。", "3. 财务复核。"), "## 附则", "## 附件\n\n- 报销单模板\n\n## 附则");
    const result = mergeTexts(base, current, proposal);
    expect(result.clean).toBe(true);
    expect(result.text).toBe(
      joinLines([
        "# 出差报销流程",
        "",
        "1. 填写报销单。",
        "2. 部门负责人签字。",
        "3. 财务复核。",
        "4. 出纳付款。",
        "",
        "## 附件",
        "",
        "- 报销单模板",
        "",
        "## 附则",
        "本流程自发布之日起执行。",
      ])
    );
  });

  it("takes an identical change made on both sides once", () => {
    const both = edit(base, "4. 出纳付款。", "4. 出纳在 5 个工作日内付款。");
    const result = mergeTexts(base, both, both);
    expect(result.clean).toBe(true);
    expect(result.text).toBe(both);
  });

  it("reports overlapping edits as a conflict with the base, current and proposed lines", () => {
    const current = edit(base, "3. 财务审核。", "3. 财务部审核并登记。");
    const proposal = edit(base, "3. 财务审核。", "3. 财务经理审核。");
    const result = mergeTexts(base, current, proposal);
    expect(result.clean).toBe(false);
    expect(result.text).toBeNull();
    expect(result.conflicts).toBe(1);
    const conflict = result.chunks.find((c) => c.kind === "conflict");
    expect(conflict).toEqual({ kind: "conflict", base: ["3. 财务审核。"], current: ["3. 财务部审核并登记。"], proposal: ["3. 财务经理审核。"] });
    expect(resolveMerge(result, ["proposal"])).toBe(proposal);
    expect(resolveMerge(result, ["current"])).toBe(current);
    expect(resolveMerge(result, ["both"])).toContain("3. 财务部审核并登记。\n3. 财务经理审核。\n");
    expect(resolveMerge(result, [{ custom: "3. 财务经理审核并登记。" }])).toContain("3. 财务经理审核并登记。\n4. 出纳付款。");
  });

  it("treats two insertions at the same place as a conflict (their order is a decision)", () => {
    const current = edit(base, "4. 出纳付款。", "4. 出纳付款。\n5. 归档。");
    const proposal = edit(base, "4. 出纳付款。", "4. 出纳付款。\n5. 通知报销人。");
    const result = mergeTexts(base, current, proposal);
    expect(result.conflicts).toBe(1);
    expect(resolveMerge(result, ["both"])).toContain("5. 归档。\n5. 通知报销人。");
  });

  it("conflicts when one side deletes lines the other side changed", () => {
    const current = edit(base, "## 附则\n本流程自发布之日起执行。\n", "");
    const proposal = edit(base, "本流程自发布之日起执行。", "本流程由财务部解释。");
    const result = mergeTexts(base, current, proposal);
    expect(result.clean).toBe(false);
    const conflict = result.chunks.find((c) => c.kind === "conflict")!;
    expect(conflict.kind === "conflict" && conflict.current).toEqual([]);
    expect(conflict.kind === "conflict" && conflict.proposal).toContain("本流程由财务部解释。");
  });

  it("handles empty bases, CRLF input and unchanged sides", () => {
    expect(mergeTexts("", "a\n", "").text).toBe("a\n");
    expect(mergeTexts("a\r\nb\r\n", "a\nb\n", "a\nc\n").text).toBe("a\nc\n");
    expect(mergeTexts(base, base, base).text).toBe(base);
    const empty = mergeTexts("", "x\n", "y\n");
    expect(empty.conflicts).toBe(1);
  });

  it("never drops a line: every line of either side appears in some chunk (random edits)", () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const words = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛"];
    for (let round = 0; round < 200; round++) {
      const lines = Array.from({ length: 5 + rand(15) }, (_, i) => `L${i} ${words[rand(8)]}`);
      const mutate = (src: string[], tag: string) => {
        const out = [...src];
        for (let k = 0; k < 1 + rand(4); k++) {
          const at = rand(out.length + 1);
          const op = rand(3);
          if (op === 0) out.splice(at, 0, `${tag}+${k}`);
          else if (op === 1 && at < out.length) out.splice(at, 1);
          else if (at < out.length) out[at] = `${out[at]} ${tag}${k}`;
        }
        return out;
      };
      const current = mutate(lines, "C");
      const proposal = mutate(lines, "P");
      const result = mergeTexts(joinLines(lines), joinLines(current), joinLines(proposal));
      const resolvedCurrent = splitLines(
        resolveMerge(
          result,
          result.chunks.filter((c) => c.kind === "conflict").map(() => "current" as const)
        )
      );
      const resolvedProposal = splitLines(
        resolveMerge(
          result,
          result.chunks.filter((c) => c.kind === "conflict").map(() => "proposal" as const)
        )
      );
      // Every line the current side added is kept when conflicts go to "current"; likewise for the proposal.
      for (const line of current.filter((l) => !lines.includes(l))) expect(resolvedCurrent).toContain(line);
      for (const line of proposal.filter((l) => !lines.includes(l))) expect(resolvedProposal).toContain(line);
      if (result.clean) {
        const merged = splitLines(result.text!);
        for (const line of [...current, ...proposal].filter((l) => !lines.includes(l))) expect(merged).toContain(line);
      }
    }
  });
});

describe("metadata merge", () => {
  const meta = { title: "出差报销流程", type: "manual", confidentiality: "internal", audienceDepartments: ["fin"] };
  it("keeps the proposal's changes and takes the current version's other changes", () => {
    const { merged, conflicts } = mergeFields(meta, { ...meta, audienceDepartments: ["fin", "ops"] }, { ...meta, title: "差旅报销流程" }, [
      "title",
      "type",
      "confidentiality",
      "audienceDepartments",
    ]);
    expect(conflicts).toEqual([]);
    expect(merged).toEqual({ ...meta, title: "差旅报销流程", audienceDepartments: ["fin", "ops"] });
  });
  it("reports a field both sides changed differently", () => {
    const { conflicts } = mergeFields(meta, { ...meta, title: "A" }, { ...meta, title: "B" }, ["title"]);
    expect(conflicts).toEqual([{ field: "title", base: "出差报销流程", current: "A", proposal: "B" }]);
  });
});
