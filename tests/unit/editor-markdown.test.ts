import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { keepUntouchedBlocks, splitBlocks, tidyMarkdown } from "~/editor/markdown-setup";
import { headlessCodec } from "../helpers/milkdown-headless";
import { ROOT } from "../helpers/paths";

/** Every sample document version's body (front matter removed). */
function sampleBodies(): { name: string; body: string }[] {
  const dir = path.join(ROOT, "content", "documents");
  const out: { name: string; body: string }[] = [];
  for (const number of fs.readdirSync(dir).sort()) {
    const folder = path.join(dir, number);
    if (!fs.statSync(folder).isDirectory()) continue;
    for (const file of fs.readdirSync(folder).filter((f) => f.endsWith(".md")).sort()) {
      const text = fs.readFileSync(path.join(folder, file), "utf8");
      out.push({ name: `${number}/${file}`, body: text.replace(/^---\n[\s\S]*?\n---\n\n?/, "") });
    }
  }
  return out;
}

describe("rich editor markdown: the store's markdown comes back unchanged", () => {
  it("every sample document version round-trips through the editor byte for byte", async () => {
    const codec = await headlessCodec();
    const samples = sampleBodies();
    expect(samples.length).toBeGreaterThan(60);
    const changed = samples.filter((s) => tidyMarkdown(codec.roundTrip(s.body)) !== s.body).map((s) => s.name);
    expect(changed).toEqual([]);
  });

  it("each construct the documents use survives: headings, lists, tables, emphasis, links, document links, images, attachments, diagrams", async () => {
    const codec = await headlessCodec();
    const constructs = [
      "# 標題\n\n## 二級標題\n\n### Third level\n",
      "- 第一項\n- 第二項\n  - 子項\n",
      "1. 提交申請\n2. 部門審批\n3. 歸檔\n",
      "| 步驟 | 辦理人 | 時限 |\n|---|---|---|\n| 1 | 採購專員 | 1 個工作日 |\n| 2 | | 依 [[APR-001]] |\n",
      "| Left | Centre | Right |\n|:---|:---:|---:|\n| a | b | c |\n",
      "**加粗** 與 *斜體*，以及 `code`。\n",
      "見 [[EXE-003]] 及 [[APR-001]] 的規定。\n",
      "[門戶](https://portal.example/docs) and mail itsec@hengyuan.example for help.\n",
      "![流程圖截圖](attachments/flow.png)\n",
      "[報銷單範本.xlsx](attachments/報銷單範本.xlsx)\n",
      "```mermaid\nflowchart TD\n  A[\"申請\"] --> B{\"審批？\"}\n  B -->|是| C[\"歸檔\"]\n```\n",
      "> 填寫說明：帶 * 號的欄位為必填。\n",
      "---\n\nText after a rule.\n",
      "- [ ] 未完成\n- [x] 已完成\n",
    ];
    for (const md of constructs) expect(tidyMarkdown(codec.roundTrip(md))).toBe(md);
  });

  it("a document link is kept as [[NUMBER]], never escaped to \\[\\[", async () => {
    const codec = await headlessCodec();
    const out = codec.roundTrip("依 [[APR-001]] 確定。\n");
    expect(out).toContain("[[APR-001]]");
    expect(out).not.toContain("\\[");
  });
});

describe("untouched blocks keep their original text", () => {
  it("splits blocks at blank lines, keeping fenced code whole", () => {
    expect(splitBlocks("# A\n\ntext\n\n```\ncode\n\nmore\n```\n\n- x\n")).toEqual(["# A", "text", "```\ncode\n\nmore\n```", "- x"]);
  });

  it("an edit in one block leaves the others as the author wrote them", () => {
    const original = "# Title\n\n* star bullet\n* kept\n\nParagraph one.\n";
    // What the editor writes for the untouched original (bullets normalised).
    const baseline = "# Title\n\n- star bullet\n- kept\n\nParagraph one.\n";
    const edited = "# Title\n\n- star bullet\n- kept\n\nParagraph one, edited.\n\nNew paragraph.\n";
    expect(keepUntouchedBlocks(original, baseline, edited)).toBe("# Title\n\n* star bullet\n* kept\n\nParagraph one, edited.\n\nNew paragraph.\n");
  });

  it("no edit gives back the original exactly; a removed block is removed", () => {
    const original = "A\n\n* b\n\nC\n";
    const baseline = "A\n\n- b\n\nC\n";
    expect(keepUntouchedBlocks(original, baseline, baseline)).toBe(original);
    expect(keepUntouchedBlocks(original, baseline, "A\n\nC\n")).toBe("A\n\nC\n");
  });

  it("blank lines before and after the text are kept (a body read from a file starts with one)", () => {
    const original = "\n# Title\n\n* a\n\nText.\n";
    const baseline = "# Title\n\n- a\n\nText.\n";
    expect(keepUntouchedBlocks(original, baseline, "# Title\n\n- a\n\nText, more.\n")).toBe("\n# Title\n\n* a\n\nText, more.\n");
  });

  it("a new empty table cell is written as the store writes one", () => {
    expect(tidyMarkdown("| a | b |  |\n| - | - | - |\n| 1 | 2 |  |\n")).toBe("| a | b | |\n|---|---|---|\n| 1 | 2 | |\n");
  });

  it("tidying leaves fenced code alone", () => {
    const md = "```\n| a | b |\n| - | - |\nx \\* y\n```\n";
    expect(tidyMarkdown(md)).toBe(md);
  });
});
