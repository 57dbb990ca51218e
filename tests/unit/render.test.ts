import { describe, expect, it } from "vitest";
import { renderMarkdown, slugify } from "~/documents/render.server";

describe("markdown rendering", () => {
  it("renders headings with ids that keep Chinese, and collects a table of contents", () => {
    const { html, toc } = renderMarkdown("# 採購流程\n\n## 一、申請\n\n內容\n\n## 一、申請\n\n### Step 2: approve\n");
    expect(toc.map((e) => e.id)).toEqual(["採購流程", "一申請", "一申請-1", "step-2-approve"]);
    expect(html).toContain('<h2 id="一申請">一、申請</h2>');
  });

  it("removes scripts, event handlers, javascript: links, SVG and iframes", () => {
    const nasty = [
      "<script>alert(1)</script>",
      '<img src="x" onerror="alert(1)">',
      "[click](javascript:alert(1))",
      '<a href="JaVaScRiPt:alert(1)">x</a>',
      '<svg onload="alert(1)"><circle/></svg>',
      '<iframe src="https://evil.example"></iframe>',
      '<div style="background:url(javascript:alert(1))">x</div>',
      "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ].join("\n\n");
    const { html } = renderMarkdown(nasty);
    expect(html).not.toMatch(/<script|onerror|onload|javascript:|<svg|<iframe|style=|data:text/i);
  });

  it("keeps tables, lists and safe links; external links get rel=noopener", () => {
    const { html } = renderMarkdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\n[site](https://example.com) [doc](/docs/EXE-001)");
    expect(html).toContain("<table>");
    expect(html).toContain("<li>one</li>");
    expect(html).toContain('rel="noopener noreferrer nofollow"');
    expect(html).toContain('href="/docs/EXE-001"');
  });

  it("turns [[EXE-003]] into a link to the current version", () => {
    expect(renderMarkdown("見 [[EXE-003]]。").html).toContain('<a href="/docs/EXE-003">EXE-003</a>');
  });

  it("slugifies to something safe even for punctuation-only headings", () => {
    expect(slugify("「」？！")).toBe("section");
    expect(slugify('a"><script>')).not.toMatch(/[<>"]/);
  });
});
