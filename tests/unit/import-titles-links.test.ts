/**
 * Titles of imported files (front matter, top heading without markdown,
 * subtitle headings, README/index names) and the rewriting of links between
 * imported files to document numbers.
 */
import { describe, expect, it } from "vitest";
import { fileFinder, findLinks, headingAnchors, resolveImportPath, rewriteLinks, type LinkTarget } from "~/import/links";
import { importTitle, titleFromPath } from "~/import/titles";

describe("titles", () => {
  it("takes the top heading's text without emphasis, links or code, and drops it from the body", () => {
    const r = importTitle("# **Access Control** [Policy](x.md) `v2`\n\n## Scope\n\nAll doors.\n", "handbook/security/access.md");
    expect(r).toMatchObject({ title: "Access Control Policy v2", source: "heading" });
    expect(r.body).toBe("## Scope\n\nAll doors.\n");
  });

  it("prefers the front matter's title and keeps a body heading that is not the title", () => {
    const r = importTitle("## Purpose\n\nText.\n", "a.md", "Visitor handbook");
    expect(r).toMatchObject({ title: "Visitor handbook", source: "front-matter", body: "## Purpose\n\nText.\n" });
    expect(importTitle("# Visitor handbook\n\nText.\n", "a.md", "Visitor handbook").body).toBe("Text.\n");
  });

  it("joins a subtitle heading to the title, so the parts of a code get different titles", () => {
    const r = importTitle("# 中华人民共和国民法典\n\n# 第三编 合同\n\n## 第一章 一般规定\n\n第四百六十三条 本编调整因合同产生的民事关系。\n", "民法典/part-3.md");
    expect(r).toMatchObject({ title: "中华人民共和国民法典 · 第三编 合同", subtitle: "第三编 合同", source: "heading" });
    expect(r.body.startsWith("## 第一章 一般规定")).toBe(true);
    // Three top-level headings are sections, not a title and a subtitle.
    const sections = importTitle("# Handbook\n\n# Leave\n\nText.\n\n# Pay\n\nText.\n", "h.md");
    expect(sections.title).toBe("Handbook");
    expect(sections.body).toContain("# Handbook");
    // A second top-level heading further down is a section too.
    expect(importTitle("# Handbook\n\nIntro.\n\n# Leave\n\nText.\n", "h.md").title).toBe("Handbook");
  });

  it("uses the highest-level heading when there is no level-1 heading, and setext headings", () => {
    expect(importTitle("Some intro.\n\n### Detail\n\n## **Expense claims**\n\nText.\n", "README.md").title).toBe("Expense claims");
    expect(importTitle("Travel rules\n============\n\nText.\n", "index.md").title).toBe("Travel rules");
  });

  it("names a file without any heading after the file, or after its folder for README and index", () => {
    expect(importTitle("Just text.\n", "departments/finance/README.md")).toMatchObject({ title: "Finance", source: "folder" });
    expect(importTitle("Just text.\n", "departments/human-resources/index.md").title).toBe("Human resources");
    expect(importTitle("Just text.\n", "EXE-014 Warehouse_checklist.md")).toMatchObject({ title: "Warehouse checklist", source: "file-name" });
    expect(titleFromPath("policies/anti-bribery-policy.md").title).toBe("Anti bribery policy");
  });

  it("shortens a heading longer than a title may be", () => {
    const r = importTitle(`# ${"word ".repeat(60)}\n\nText.\n`, "a.md");
    expect(r.title.length).toBeLessThanOrEqual(200);
    expect(r.shortened).toBe(true);
  });
});

describe("links between imported files", () => {
  it("resolves relative paths and refuses to climb above the import", () => {
    expect(resolveImportPath("handbook/people/ada.md", "../../departments/x.md")).toBe("departments/x.md");
    expect(resolveImportPath("handbook/ada.md", "bob%20smith.md")).toBe("handbook/bob smith.md");
    expect(resolveImportPath("ada.md", "../outside.md")).toBeNull();
  });

  it("finds inline links, reference definitions and HTML anchors, but not images or code", () => {
    const body = "See [Ada](ada.md#scope) and ![chart](chart.png).\n\n`[x](code.md)`\n\n```\n[y](fenced.md)\n```\n\n[ref]: <bob smith.md>\n\n<a href=\"carol.md\">Carol</a>\n";
    expect(findLinks(body).map((l) => l.target)).toEqual(["ada.md#scope", "bob smith.md", "carol.md"]);
  });

  it("rewrites links to document numbers keeping (and translating) anchors, and reports the others", () => {
    const files = new Map<string, LinkTarget | "not-imported">([
      ["handbook/ada.md", { number: "EXE-012", anchors: headingAnchors("## Access Control\n\n## 第二章 审批\n") }],
      ["departments/finance/README.md", { number: "APR-003", anchors: new Map() }],
      ["handbook/broken.md", "not-imported"],
    ]);
    const find = fileFinder(files);
    const body = [
      "Read [the rules](ada.md#access-control) and [审批](./ada.md#第二章-审批).",
      "Finance: [folder](../departments/finance/) and [named](../departments/finance/README.md).",
      "Missing: [gone](../departments/x.md), [bad](broken.md), [web](https://example.com/a.md), [here](#local).",
      "Unknown anchor: [odd](ada.md#nowhere).",
    ].join("\n\n");
    const r = rewriteLinks(body, "handbook/intro.md", (p) => find(p));
    expect(r.body).toContain("[the rules](/docs/EXE-012#access-control)");
    expect(r.body).toContain("[审批](/docs/EXE-012#第二章-审批)");
    expect(r.body).toContain("[folder](/docs/APR-003) and [named](/docs/APR-003)");
    expect(r.body).toContain("[gone](../departments/x.md), [bad](broken.md), [web](https://example.com/a.md), [here](#local)");
    expect(r.body).toContain("[odd](/docs/EXE-012#nowhere)");
    expect(r.rewritten).toBe(5);
    expect(r.outside).toEqual([
      { target: "../departments/x.md", line: 5, why: "missing" },
      { target: "broken.md", line: 5, why: "not-imported" },
    ]);
    expect(r.unknownAnchors).toEqual([{ target: "ada.md#nowhere", line: 7 }]);
  });

  it("maps GitHub-style anchors to the portal's heading ids", () => {
    const anchors = headingAnchors("## Step 1: Sign_in  twice\n\n## Step 1: Sign_in  twice\n");
    expect(anchors.get("step-1-sign_in--twice")).toBe("step-1-signin-twice");
    expect(anchors.get("step-1-sign_in--twice-1")).toBe("step-1-signin-twice-1");
  });
});
