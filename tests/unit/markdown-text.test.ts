import { describe, expect, it } from "vitest";
import { renderMarkdown } from "~/documents/render.server";
import { markdownSlices, markdownText, markdownTextSlices } from "~/search/markdown-text";
import { headingsFromHtml, htmlToText } from "~/search/plain-text";
import { regulationCorpus } from "../../scripts/bench/regulations";

/** What the index took before: the rendered, sanitised page as text. */
function fromPage(markdown: string) {
  const html = renderMarkdown(markdown).html;
  return { text: htmlToText(html), headings: headingsFromHtml(html) };
}

const MIXED = [
  "# 采购管理制度 **2024**",
  "",
  "本制度依据 [[EXE-003]] 制定，见[附件](attachments/a.pdf)与[参考][ref]。",
  "第二行紧接着。  ",
  "硬换行之后 &amp; 实体 &lt;tag&gt;。",
  "",
  "## 第一章 总则",
  "",
  "- 第一项 *强调* 与 `代码`",
  "- 第二项",
  "  1. 嵌套 ~~删除~~",
  "",
  "> 引用的段落",
  "",
  "| 项目 | 金额 |",
  "|---|---:|",
  "| 差旅 | 1,000 |",
  "| **培训** | 500 |",
  "",
  "```mermaid",
  "graph TD; A-->B",
  "```",
  "",
  "![流程图](attachments/flow.png \"审批流程\")",
  "",
  "<div class=\"note\">提示：<b>先审批</b><script>alert(1)</script></div>",
  "",
  "---",
  "",
  "[ref]: https://example.com/rules",
  "",
].join("\n");

describe("index text from markdown", () => {
  it("is the text of the rendered page: paragraphs, lists, tables, code, captions, headings", () => {
    expect(markdownText(MIXED)).toEqual(fromPage(MIXED));
  });

  it("is the text of the rendered page for long regulation-shaped documents and handbooks, read in slices", () => {
    const docs = regulationCorpus({ documents: 6, minKB: 60, maxKB: 200, englishShare: 0.34, seed: 11 });
    for (const d of docs) {
      expect(markdownSlices(d.markdown).length).toBeGreaterThan(1);
      expect(markdownText(d.markdown), d.title).toEqual(fromPage(d.markdown));
    }
  });

  it("pauses between slices of a long document, and never inside fenced code", () => {
    const code = "```\n" + "第一行\n\n".repeat(5000) + "```\n";
    const markdown = `${"第一条 应当遵守本制度。\n\n".repeat(3000)}${code}${"第二条 依照本法处理。\n\n".repeat(3000)}`;
    const slices = markdownSlices(markdown);
    expect(slices.join("")).toBe(markdown);
    expect(slices.filter((s) => s.includes("```")).length).toBe(1); // the code block stays whole
    const reading = markdownTextSlices(markdown);
    let pauses = 0;
    let step = reading.next();
    while (!step.done) {
      pauses++;
      step = reading.next();
    }
    expect(pauses).toBe(slices.length - 1);
    expect(pauses).toBeGreaterThanOrEqual(3);
    expect(step.value.text).toBe(fromPage(markdown).text);
  });
});
