/**
 * Snippets and highlighted titles: escaped first, then marked; the reader's
 * own characters are kept (Traditional stays Traditional).
 */
import { describe, expect, it } from "vitest";
import { buildSnippet, escapeHtml, highlightHtml, needlesFor } from "~/search/snippet";
import { parseQuery } from "~/search/tokenize";

function needles(query: string) {
  const q = parseQuery(query);
  return needlesFor({
    phrases: q.phrases,
    cjkRuns: q.cjkRuns,
    words: q.terms.filter((t) => t.kind === "word").map((t) => ({ text: t.term, prefix: t.prefix })),
    pairs: q.terms.filter((t) => t.kind !== "word").map((t) => t.term),
  });
}

describe("snippets", () => {
  it("marks a Simplified query inside Traditional text and keeps the Traditional characters", () => {
    expect(buildSnippet("所有待處理的申請必須在三日內完成。", needles("处理"))).toBe("所有待<mark>處理</mark>的申請必須在三日內完成。");
  });

  it("marks a whole fragment, not just its pairs", () => {
    expect(buildSnippet("发现流程文档版本控制失效时", needles("版本控制"))).toBe("发现流程文档<mark>版本控制</mark>失效时");
  });

  it("escapes markup in the text so nothing in a document can run", () => {
    const html = buildSnippet('<script>alert("x")</script> approval & <b>sign-off</b>', needles("approval"));
    expect(html).toBe("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>approval</mark> &amp; &lt;b&gt;sign-off&lt;/b&gt;");
    expect(escapeHtml(`'"<>&`)).toBe("&#39;&quot;&lt;&gt;&amp;");
  });

  it("marks English words whole, a prefix only at a word start", () => {
    expect(buildSnippet("Procurement of procured goods; reprocure later.", needles("procur"))).toBe(
      "<mark>Procur</mark>ement of <mark>procur</mark>ed goods; reprocure later.",
    );
    expect(buildSnippet("audit audits auditor", needles("audit "))).toBe("<mark>audit</mark> audits auditor");
  });

  it("cuts a long text around the best match with ellipses", () => {
    const text = "前言。".repeat(60) + "本节规定了应急预案的启动条件。" + "附录。".repeat(60);
    const html = buildSnippet(text, needles("应急预案"), 80);
    expect(html.startsWith("…")).toBe(true);
    expect(html.endsWith("…")).toBe(true);
    expect(html).toContain("<mark>应急预案</mark>");
    expect(html.replace(/<\/?mark>/g, "").length).toBeLessThanOrEqual(82);
  });

  it("starts at the beginning when only the title matched", () => {
    expect(buildSnippet("第一章 总则", needles("approval"))).toBe("第一章 总则");
  });

  it("never splits a character outside the Basic Plane", () => {
    const text = "𠀀".repeat(300);
    const html = buildSnippet(text, needles("approval"), 51);
    expect(html).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it("highlights a phrase exactly", () => {
    expect(buildSnippet("the sign-off form and the sign off step", needles('"sign off"'))).toContain("the <mark>sign off</mark> step");
  });
});

describe("titles", () => {
  it("escapes and marks the whole title", () => {
    expect(highlightHtml("採購審批<流程>", needles("审批"))).toBe("採購<mark>審批</mark>&lt;流程&gt;");
  });
});
