/**
 * The Word HTML → markdown converter on the shapes mammoth produces, checked
 * by rendering the result with the portal's own renderer: structure kept,
 * literal characters kept literal, nothing unsafe let through.
 */
import { describe, expect, it } from "vitest";
import { htmlToMarkdown } from "~/import/html-to-markdown";
import { renderMarkdown } from "~/documents/render.server";

function roundTrip(html: string) {
  const { markdown, imagesDropped } = htmlToMarkdown(html);
  return { markdown, imagesDropped, html: renderMarkdown(markdown).html };
}

describe("Word HTML to markdown", () => {
  it("keeps heading levels, paragraphs, emphasis and line breaks", () => {
    const r = roundTrip("<h1>采购管理制度</h1><h3>3.1 适用范围</h3><p>本制度适用于<strong>全部</strong>采购，<em>含</em>外包。<br />第二行</p>");
    expect(r.markdown).toBe("# 采购管理制度\n\n### 3.1 适用范围\n\n本制度适用于**全部**采购，*含*外包。  \n第二行\n");
    expect(r.html).toContain("<strong>全部</strong>");
    expect(r.html).toContain("<br />");
  });

  it("keeps nested and numbered lists, with a start number", () => {
    const r = roundTrip('<ol start="3"><li>Third<ol><li>Sub a</li><li>Sub b</li></ol></li><li>Fourth</li></ol><ul><li>Dot</li></ul>');
    expect(r.markdown).toBe("3. Third\n   1. Sub a\n   2. Sub b\n4. Fourth\n\n- Dot\n");
    expect(r.html).toMatch(/<ol start="3">\s*<li>Third\s*<ol>\s*<li>Sub a<\/li>/);
  });

  it("turns tables into pipe tables, padding merged cells and keeping lists and pipes inside cells", () => {
    const r = roundTrip(
      '<table><tr><td colspan="2"><p>Merged head</p></td><td><p>C</p></td></tr><tr><td><p>a | b</p></td><td><ul><li>one</li><li>two</li></ul></td><td><p>x</p><p>y</p></td></tr></table>',
    );
    expect(r.markdown).toBe("| Merged head |   | C |\n| --- | --- | --- |\n| a \\| b | • one<br>• two | x<br>y |\n");
    expect(r.html).toMatch(/<table>[\s\S]*<td>a \| b<\/td>[\s\S]*<td>• one<br\s*\/?>• two<\/td>/);
  });

  it("escapes characters that markdown would read as markup", () => {
    const r = roundTrip("<p>Use [[EXE-001]] or *stars* and _under_ and &lt;b&gt;tags&lt;/b&gt;</p><p># not a heading</p><p>1. not a list</p><p>- not a bullet</p>");
    expect(r.html.replace(/<[^>]+>/g, "")).toContain("Use [[EXE-001]] or *stars* and _under_ and &lt;b&gt;tags&lt;/b&gt;");
    // The brackets stay text (no wiki link); the number links as any document number in a text does (decision 089).
    expect(r.html).toContain('[[<a class="doc-link" href="/docs/EXE-001">EXE-001</a>]]');
    expect(r.html).toContain("<p># not a heading</p>");
    expect(r.html).toContain("<p>1. not a list</p>");
    expect(r.html).toContain("<p>- not a bullet</p>");
  });

  it("keeps safe links, drops script links, scripts and images (counted)", () => {
    const r = roundTrip(
      '<p><a href="https://example.com/a b">site</a> <a href="javascript:alert(1)">click</a> <a id="_Toc1"></a></p><script>alert(1)</script><p><img src="data:image/png;base64,AAAA" alt="Org chart" /><img src="x.png" /></p>',
    );
    expect(r.markdown).toContain("[site](https://example.com/a%20b)");
    expect(r.markdown).not.toContain("javascript:");
    expect(r.markdown).not.toContain("alert");
    expect(r.markdown).toContain("*Org chart*");
    expect(r.imagesDropped).toBe(2);
    expect(r.html).toContain('<a href="https://example.com/a%20b" rel="noopener noreferrer nofollow">site</a> click');
  });

  it("keeps quotes and preformatted text", () => {
    const r = roundTrip("<blockquote><p>Quoted rule</p><p>Second</p></blockquote><pre>line 1\n  indented ```</pre>");
    expect(r.markdown).toBe("> Quoted rule\n>\n> Second\n\n~~~\nline 1\n  indented ```\n~~~\n");
    expect(r.html).toContain("<blockquote>");
    expect(r.html).toContain("<pre><code>line 1\n  indented ```\n</code></pre>");
  });
});
