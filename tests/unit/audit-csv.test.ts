import { describe, expect, it } from "vitest";
import { csvCell, toCsv } from "~/audit/csv";

describe("CSV cells", () => {
  it("quote commas, quotes, line breaks and edge spaces", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell(" padded")).toBe('" padded"');
    expect(csvCell(null)).toBe("");
    expect(csvCell(42)).toBe("42");
    expect(csvCell({ a: 1, b: "x,y" })).toBe('"{""a"":1,""b"":""x,y""}"');
    expect(csvCell("质量管理部")).toBe("质量管理部");
  });

  it("neutralise cells a spreadsheet would run as a formula", () => {
    expect(csvCell("=HYPERLINK(\"http://evil\")")).toBe("\"'=HYPERLINK(\"\"http://evil\"\")\"");
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\t=1")).toBe("'\t=1");
    expect(csvCell("a=1")).toBe("a=1");
  });

  it("make a document with a BOM, a header and CRLF rows", () => {
    expect(toCsv(["a", "b"], [[1, "x"], ["=1", null]])).toBe("\uFEFFa,b\r\n1,x\r\n'=1,\r\n");
  });
});
