import { describe, expect, it } from "vitest";
import { parseDocument, serializeDocument } from "~/documents/front-matter";

const text = `---
number: EXE-003
title: 採購申請處理流程手冊
category: EXE
type: manual
owner_department: ops
confidentiality: internal
audience_departments: [ops, fin]
effective_date: 2024-05-06
---

# 標題

正文
`;

describe("front matter", () => {
  it("parses fields into metadata and round-trips", () => {
    const { meta, body } = parseDocument(text);
    expect(meta).toMatchObject({ number: "EXE-003", ownerDepartment: "ops", audienceDepartments: ["ops", "fin"], effectiveDate: "2024-05-06", retired: false });
    expect(body.trim()).toBe("# 標題\n\n正文");
    const again = parseDocument(serializeDocument(meta, body));
    expect(again.meta).toEqual(meta);
    expect(again.body.trim()).toBe(body.trim());
  });

  it("reports missing and malformed fields by name", () => {
    expect(() => parseDocument(text.replace("title: 採購申請處理流程手冊\n", ""))).toThrow(/title/);
    expect(() => parseDocument(text.replace("2024-05-06", "2024-13-45"))).toThrow(/effective_date/);
    expect(() => parseDocument(text.replace("internal", "secret"))).toThrow(/confidentiality/);
    expect(() => parseDocument("---\n: : :\n---\nbody")).toThrow(/YAML|mapping|invalid/i);
  });
});
