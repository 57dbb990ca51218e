/**
 * Text extraction from attachments: .docx, .xlsx (per sheet), .pptx (per
 * slide), PDFs page by page, and the limits — a zip bomb, a PDF that is not a
 * PDF, a file over the size limit — each recorded as a clear failure.
 */
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { extractAll, textKind } from "~/attachments/text/extract.server";
import { EXTRACT_LIMITS, tidyText } from "~/attachments/text/limits";
import { slideXmlText } from "~/attachments/text/office.server";
import { docxFile, pptxFile, textPdf, xlsxFile, zipBomb } from "../fixtures/scanned-pages";

const work = path.join(os.tmpdir(), `regula-extract-${process.pid}`);

describe("what kind of text a file holds", () => {
  it("goes by the sniffed type, and by the name for Office files sniffed as zip", () => {
    expect(textKind("a.bin", "application/pdf")).toBe("pdf");
    expect(textKind("表单.docx", "application/zip")).toBe("docx");
    expect(textKind("report.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).toBe("xlsx");
    expect(textKind("scan.JPG", "")).toBe("image");
    // A name does not make an HTML upload a PDF, and archives hold no text we index.
    expect(textKind("evil.pdf", "text/html")).toBeNull();
    expect(textKind("bundle.zip", "application/zip")).toBeNull();
    expect(textKind("drawing.svg", "image/svg+xml")).toBeNull();
  });

  it("tidies OCR spacing between Chinese characters but keeps English words apart", () => {
    expect(tidyText("会 计 档 案  保 管\r\nRetention  of records")).toBe("会计档案保管\nRetention of records");
    expect(tidyText("第⼀⻚：⽂件")).toBe("第一页：文件");
  });
});

describe("Office files", () => {
  it("reads a .docx's paragraphs", async () => {
    const entry = await extractAll("docx", await docxFile(["采购申请表填写说明", "Purchase requests above 5000 need two signatures."]), work);
    expect(entry.failure).toBeUndefined();
    expect(entry.parts).toHaveLength(1);
    expect(entry.parts[0].text).toContain("采购申请表填写说明");
    expect(entry.parts[0].text).toContain("two signatures");
  });

  it("reads an .xlsx cell by cell (columns apart by tabs), a part per sheet named after it", async () => {
    const bytes = await xlsxFile({ 费用标准: [["项目", "标准"], ["差旅住宿", 450]], Rates: [["Mileage allowance", "0.8"]] });
    const entry = await extractAll("xlsx", bytes, work);
    expect(entry.failure).toBeUndefined();
    expect(entry.parts.map((p) => p.locator)).toEqual([
      { kind: "sheet", value: "费用标准" },
      { kind: "sheet", value: "Rates" },
    ]);
    expect(entry.parts[0].text).toContain("差旅住宿\t450");
    expect(entry.parts[1].text).toContain("Mileage allowance\t0.8");
  });

  it("reads a .pptx slide by slide, in slide order", async () => {
    const bytes = await pptxFile([["入职流程"], ["Safety briefing & sign-off", "第二步：领取工牌"]]);
    const entry = await extractAll("pptx", bytes, work);
    expect(entry.parts.map((p) => p.locator?.value)).toEqual(["1", "2"]);
    expect(entry.parts[1].text).toContain("Safety briefing & sign-off");
    expect(entry.parts[1].text).toContain("第二步：领取工牌");
    expect(slideXmlText('<a:p><a:r><a:t>a &lt; b</a:t></a:r></a:p>')).toBe("a < b");
  });

  it("refuses a zip bomb before inflating it, and says so", async () => {
    const bomb = await zipBomb(24);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const entry = await extractAll("docx", bomb, work);
    expect(entry.done).toBe(true);
    expect(entry.failure?.code).toBe("zip_bomb");
    expect(entry.parts).toEqual([]);
  });

  it("records a broken .docx as not readable", async () => {
    const good = await docxFile(["half of a file"]);
    const entry = await extractAll("docx", good.subarray(0, Math.floor(good.length / 2)), work);
    expect(entry.failure?.code).toBe("not_readable");
  });
});

describe("PDF", () => {
  it("reads the text layer page by page", async () => {
    const bytes = await textPdf([["第一页：文件控制程序规定了受控文件的编号和发布"], ["Page two: document retention schedule"]]);
    const entry = await extractAll("pdf", bytes, work);
    expect(entry.failure).toBeUndefined();
    expect(entry.pages).toBe(2);
    expect(entry.parts.map((p) => [p.locator?.value, p.via])).toEqual([
      ["1", "text"],
      ["2", "text"],
    ]);
    expect(entry.parts[0].text).toContain("文件控制程序");
    expect(entry.parts[1].text).toContain("document retention schedule");
    expect(entry.ocrPages).toBe(0);
  });

  it("records a file that is not a PDF as not readable", async () => {
    const entry = await extractAll("pdf", Buffer.from("<html><script>alert(1)</script></html>"), work);
    expect(entry.failure?.code).toBe("not_readable");
    const truncated = await extractAll("pdf", Buffer.from("%PDF-1.7\n1 0 obj\n<<"), work);
    expect(truncated.failure?.code).toBe("not_readable");
  });

  it("does not read a file over the size limit", async () => {
    const entry = await extractAll("pdf", Buffer.alloc(EXTRACT_LIMITS.maxBytes + 1), work);
    expect(entry.failure?.code).toBe("too_large");
  });
});
