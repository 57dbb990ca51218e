import { describe, expect, it } from "vitest";
import { hasDiagram, withDiagramNotes } from "~/components/diagrams";
import { renderDiffMarkdown, renderMarkdown } from "~/documents/render.server";
import { translator } from "~/i18n/i18n";

const FLOW = "```mermaid\nflowchart TD\n  A[申請] --> B{審批？}\n  B -->|是| C[歸檔]\n```\n";

describe("mermaid blocks", () => {
  it("a ```mermaid block becomes a diagram figure holding its escaped source", () => {
    const { html } = renderMarkdown(`# 流程\n\n${FLOW}`);
    expect(html).toContain('<figure class="diagram" data-diagram="mermaid"><figcaption class="diagram-note"></figcaption><pre class="diagram-source"><code class="language-mermaid">');
    expect(html).toContain("A[申請] --&gt; B{審批？}");
    expect(hasDiagram(html)).toBe(true);
  });

  it("other code blocks, and text that only mentions mermaid, are left alone", () => {
    const { html } = renderMarkdown("```js\nlet a = 1;\n```\n\nA mermaid is a sea creature; `language-mermaid` too.\n");
    expect(html).not.toContain("<figure");
    expect(hasDiagram(html)).toBe(false);
  });

  it("a script inside a diagram's source stays text", () => {
    const { html } = renderMarkdown("```mermaid\nflowchart TD\n  A[<script>alert(1)</script>] --> B\n```\n");
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
  });

  it("raw HTML cannot pose as a diagram figure", () => {
    const { html } = renderMarkdown('<figure class="diagram"><figcaption class="diagram-note">x</figcaption></figure>\n');
    expect(html).not.toContain("<figure");
    expect(html).not.toContain("<figcaption");
  });

  it("the fallback note is written in the reader's language", () => {
    const { html } = renderMarkdown(FLOW);
    expect(withDiagramNotes(html, translator("zh-CN"))).toContain("流程图（以源码显示）");
    expect(withDiagramNotes(html, translator("en"))).toContain("Flowchart, shown as its source");
    expect(withDiagramNotes("<p>no diagram</p>", translator("en"))).toBe("<p>no diagram</p>");
  });

  it("a diagram in a diff fragment keeps its language class, so the diff draws it", () => {
    const html = renderDiffMarkdown("```mermaid\nflowchart TD\n  A --> \uE000B\uE001\n```");
    expect(hasDiagram(html)).toBe(true);
    expect(html).toContain('<ins class="fd-i">B</ins>');
  });
});
