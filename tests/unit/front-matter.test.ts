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
    expect(meta).toMatchObject({ number: "EXE-003", ownerDepartment: "ops", audienceDepartments: ["fin", "ops"], effectiveDate: "2024-05-06", retired: false });
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

  it("keeps front matter keys it does not use, in order, and writes them back after its own", () => {
    const withExtra = text.replace("effective_date: 2024-05-06\n", "effective_date: 2024-05-06\nauthor: 王芳\nrevision: 3\nreviewers: [qa, legal]\nsource:\n  system: OA\n  id: \"0042\"\n");
    const { meta, body } = parseDocument(withExtra);
    expect(meta.extra).toEqual({ author: "王芳", revision: 3, reviewers: ["qa", "legal"], source: { system: "OA", id: "0042" } });
    const written = serializeDocument(meta, body);
    expect(written).toMatch(/effective_date: 2024-05-06\nauthor: 王芳\nrevision: 3\n/);
    expect(parseDocument(written).meta).toEqual(meta);
    // A document without such keys has no `extra` at all.
    expect("extra" in parseDocument(text).meta).toBe(false);
  });
});
