import JSZip from "jszip";
import mammoth from "mammoth";
import { describe, expect, it } from "vitest";
import { buildDocx, copyStatus } from "~/downloads/docx.server";
import type { DownloadSource } from "~/downloads/source.server";

const BODY = `# 採購合同審批操作規程

## 一、適用範圍

本規程適用於**全部採購合同**，採購申請見 [[EXE-003]]，範本見 [門戶](https://portal.example/forms)。

## 二、步驟

1. 採購專員起草合同
2. 法務專員審核
   - 偏離範本的條款
   - 違約責任
3. 財務部審核

- 電子簽署優先
- 紙本合同掃描歸檔

| 步驟 | 辦理人 | 時限 |
|---|---|---|
| 1 | 採購部負責人 | 1 個工作日 |
| 2 | 法務專員 | 2 個工作日 |

\`\`\`mermaid
flowchart TD
  A["起草"] --> B["審批"]
\`\`\`
`;

function source(over: Partial<DownloadSource> = {}): DownloadSource {
  return {
    number: "APR-005",
    title: "採購合同審批操作規程",
    version: 3,
    currentVersion: 3,
    superseded: false,
    retired: false,
    effectiveDate: "2025-06-15",
    body: BODY,
    readerName: "王編輯",
    readerUsername: "editor",
    ...over,
  };
}

async function headerFooterText(bytes: Buffer): Promise<string> {
  const zip = await JSZip.loadAsync(bytes);
  const parts = Object.keys(zip.files).filter((f) => /^word\/(header|footer)\d*\.xml$/.test(f));
  const xml = (await Promise.all(parts.map((p) => zip.file(p)!.async("string")))).join("\n");
  return xml.replace(/<[^>]+>/g, "");
}

describe("Word download", () => {
  it("keeps headings, lists, tables and links (read back with mammoth)", async () => {
    const bytes = await buildDocx(source(), "zh-CN", "https://regula.example");
    const { value: html } = await mammoth.convertToHtml({ buffer: bytes });
    expect(html).toContain("<h1>採購合同審批操作規程</h1>");
    expect(html).toContain("<h2>一、適用範圍</h2>");
    expect(html).toContain("<strong>全部採購合同</strong>");
    // A document link points at the document's current version on the portal.
    expect(html).toContain('<a href="https://regula.example/docs/EXE-003">EXE-003</a>');
    expect(html).toContain('<a href="https://portal.example/forms">門戶</a>');
    expect(html).toMatch(/<ol><li>採購專員起草合同<\/li><li>法務專員審核<ul><li>偏離範本的條款<\/li><li>違約責任<\/li><\/ul><\/li><li>財務部審核<\/li><\/ol>/);
    expect(html).toMatch(/<ul><li>電子簽署優先<\/li><li>紙本合同掃描歸檔<\/li><\/ul>/);
    expect(html).toMatch(/<table><thead><tr><th><p><strong>步驟<\/strong><\/p><\/th><th><p><strong>辦理人<\/strong><\/p><\/th>.*<td><p>法務專員<\/p><\/td><td><p>2 個工作日<\/p><\/td><\/tr><\/tbody><\/table>/s);
    // A diagram's source is kept, under a note that says what it is.
    expect(html).toContain("流程图（源码");
    expect(html).toContain("flowchart TD");
  });

  it("puts number, version, effective date and status in the header, the controlled-copy notice and reader in the footer", async () => {
    const zh = await headerFooterText(await buildDocx(source(), "zh-CN", "https://regula.example"));
    expect(zh).toContain("APR-005 · 第 3 版 · 2025/06/15 生效 · 现行有效");
    expect(zh).toContain("受控副本");
    expect(zh).toContain("王編輯 (editor)");
    const en = await headerFooterText(await buildDocx(source({ version: 2, superseded: true }), "en", "https://regula.example"));
    expect(en).toContain("APR-005 · v2 · effective");
    expect(en).toContain("Superseded");
    expect(en).toContain("Controlled copy");
  });

  it("names the status: retired, superseded, not yet effective, current", () => {
    expect(copyStatus({ retired: true, superseded: false })).toBe("retired");
    expect(copyStatus({ retired: false, superseded: true })).toBe("superseded");
    expect(copyStatus({ retired: false, superseded: false, effectiveDate: "2999-01-01" })).toBe("upcoming");
    expect(copyStatus({ retired: false, superseded: false, effectiveDate: "2020-01-01" })).toBe("current");
  });
});
