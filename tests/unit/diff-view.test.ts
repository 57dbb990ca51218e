import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { DiffView, type DiffLabels } from "../../app/components/diff-view";
import { diffTexts, type DocumentDiff } from "../../app/documents/diff.server";

const labels: DiffLabels = {
  old: "v1 (older)",
  new: "v2 (newer)",
  tooLarge: "These versions are too large to compare inline.",
  identical: "The texts of these versions are identical.",
  skipped: (n) => `${n} unchanged lines`,
};
const render = (diff: DocumentDiff, mode: "split" | "inline") => renderToStaticMarkup(createElement(DiffView, { diff, mode, labels }));

describe("DiffView", () => {
  const diff = diffTexts("標題\n申請應於三個工作日內完成審核。\n", "標題\n申請應於五個工作日內完成審核。\n");

  for (const mode of ["split", "inline"] as const) {
    it(`${mode}: marks changed words with semantic ins/del`, () => {
      const html = render(diff, mode);
      expect(html).toContain('<ins class="diff-word-add">五個</ins>');
      expect(html).toContain('<del class="diff-word-del">三個</del>');
      expect(html).toContain("工作日內完成審核。");
      expect(html).toMatch(/class="[^"]*diff-change/);
    });

    it(`${mode}: is an accessible table with a caption and scoped header cells`, () => {
      const html = render(diff, mode);
      expect(html).toMatch(/<caption class="visually-hidden">v1 \(older\) → v2 \(newer\)<\/caption>/);
      expect(html).toMatch(/<th scope="(col|colgroup)"[^>]*>v1 \(older\)<\/th>/);
      expect(html).toMatch(/<th scope="(col|colgroup)"[^>]*>v2 \(newer\)<\/th>/);
      const headerCells = html.match(/<th(\s[^>]*)?>/g) ?? [];
      expect(headerCells.length).toBeGreaterThan(0);
      for (const th of headerCells) expect(th).toMatch(/scope="(col|colgroup)"/);
    });

    it(`${mode}: escapes markup in document text`, () => {
      const html = render(diffTexts("safe line\n", "<script>alert('x')</script> & <b>bold</b>\n"), mode);
      expect(html).not.toContain("<script>");
      expect(html).not.toContain("<b>");
      expect(html).toContain("&lt;script&gt;");
      expect(html).toContain("&amp;");
    });
  }

  it("split: old on the left and new on the right, with line numbers; added lines leave the left side empty", () => {
    const html = render(diffTexts("a\nb\n", "a\nb\nc\n"), "split");
    expect(html).toContain('<tr class="diff-add"><td class="diff-no"></td><td class="diff-text diff-empty"></td><td class="diff-no">3</td><td class="diff-text diff-add"><ins class="diff-line-add">c</ins></td></tr>');
  });

  it("inline: one column with −/+ markers", () => {
    const html = render(diffTexts("keep\nold line\n", "keep\nnew words entirely\n"), "inline");
    expect(html).toMatch(/<tr class="diff-del">.*?<td class="diff-sign">−<\/td><td class="diff-text"><del class="diff-line-del">old line<\/del>/);
    expect(html).toMatch(/<tr class="diff-add">.*?<td class="diff-sign">\+<\/td><td class="diff-text"><ins class="diff-line-add">new words entirely<\/ins>/);
  });

  it("shows folded runs with the skipped label", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const html = render(diffTexts(lines.join("\n"), lines.map((l, i) => (i === 15 ? "line fifteen" : l)).join("\n")), "split");
    expect(html).toMatch(/<tr class="diff-skip"><td colspan="4">12 unchanged lines<\/td><\/tr>/i);
    expect(html).toMatch(/<tr class="diff-skip"><td colspan="4">11 unchanged lines<\/td><\/tr>/i);
  });

  it("shows the too-large message with the reason instead of a table", () => {
    const html = render(diffTexts("x".repeat(800), "y".repeat(800), { maxBytes: 1000 }), "split");
    expect(html).toContain(labels.tooLarge);
    expect(html).toContain("limit");
    expect(html).not.toContain("<table");
  });

  it("shows the identical message", () => {
    const html = render(diffTexts("same\n", "same\n"), "inline");
    expect(html).toContain(labels.identical);
    expect(html).not.toContain("<table");
  });
});
