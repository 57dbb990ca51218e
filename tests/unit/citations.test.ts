import { describe, expect, it } from "vitest";
import { citationsInHtml, linkDocumentNumbers } from "~/documents/citations.server";
import { renderMarkdown } from "~/documents/render.server";

const html = (md: string) => renderMarkdown(md).html;

describe("document numbers in the text become links", () => {
  it("links numbers in English and in Chinese text without spaces", () => {
    const out = html("See EXE-003 for the steps.\n\n采购合同见EXE-003第4节，审批按APR-001办理。");
    expect(out).toContain('See <a class="doc-link" href="/docs/EXE-003">EXE-003</a> for the steps.');
    expect(out).toContain('采购合同见<a class="doc-link" href="/docs/EXE-003">EXE-003</a>第4节，审批按<a class="doc-link" href="/docs/APR-001">APR-001</a>办理。');
  });

  it("links a number written short to its canonical number, and a pinned version to that version", () => {
    const out = html("Rules in APR-12; the old form is EXE-003@v2.");
    expect(out).toContain('<a class="doc-link" href="/docs/APR-012">APR-12</a>');
    expect(out).toContain('<a class="doc-link" href="/docs/EXE-003/v/2">EXE-003@v2</a>');
  });

  it("leaves code, code blocks, existing links and unknown codes alone", () => {
    const out = html("Run `EXE-003` here.\n\n```\nEXE-004 in a block\n```\n\n[the manual EXE-005](/docs/EXE-005) and ABC-001, XEXE-006, EXE-007a, ISO-9001.");
    expect(out).toContain("<code>EXE-003</code>");
    expect(out).toContain("EXE-004 in a block");
    expect(out).not.toContain('href="/docs/EXE-004"');
    expect(out).toContain('<a href="/docs/EXE-005">the manual EXE-005</a>');
    expect(out.match(/href="\/docs\/EXE-005"/g)).toHaveLength(1);
    for (const n of ["ABC-001", "EXE-006", "EXE-007"]) expect(out).not.toContain(`href="/docs/${n}"`);
  });

  it("links numbers in headings, lists and tables, and keeps the table of contents", () => {
    const r = renderMarkdown("## 依据 APR-001\n\n- 见 MON-003\n\n| 步骤 | 依据 |\n|---|---|\n| 1 | ACC-002 |");
    expect(r.html).toContain('<a class="doc-link" href="/docs/APR-001">APR-001</a></h2>');
    expect(r.html).toContain('<li>见 <a class="doc-link" href="/docs/MON-003">MON-003</a></li>');
    expect(r.html).toContain('<td><a class="doc-link" href="/docs/ACC-002">ACC-002</a></td>');
    expect(r.toc[0].text).toBe("依据 APR-001");
  });

  it("links numbers in search snippets (escaped text with marks)", () => {
    expect(linkDocumentNumbers("…按 <mark>APR-001</mark> 审批 &amp; EXE-003…")).toBe(
      '…按 <mark><a class="doc-link" href="/docs/APR-001">APR-001</a></mark> 审批 &amp; <a class="doc-link" href="/docs/EXE-003">EXE-003</a>…',
    );
  });

  it("reads the citations of a text from its links, once each, [[EXE-003]] and markdown links included", () => {
    const cites = citationsInHtml(html("EXE-003, EXE-003 again, [[APR-002]], [form](/docs/INI-002#part), EXE-003@v2, `MON-001`, [x](/docs/nonsense)"));
    expect(cites).toEqual([{ number: "EXE-003" }, { number: "APR-002" }, { number: "INI-002" }, { number: "EXE-003", version: 2 }]);
  });
});
