/**
 * Messages people read come from the catalogue: every message key the code
 * throws or shows exists in both languages, field codes are written in the
 * reader's language, and a domain error keeps its English text for logs and
 * API clients while pages translate its key.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hasMessage, translate, translator } from "~/i18n/i18n";
import { catalogs } from "~/i18n/messages";
import { msg, NotFoundError, ValidationError } from "~/utils/errors.server";
import { errorText, fieldText } from "~/web/http.server";
import { keepTablePartsInTables, renderMarkdown } from "~/documents/render.server";
import { auditActionText, auditDetailLines } from "~/components/audit-text";
import { metaValueText } from "~/components/labels";
import { ROOT } from "../helpers/paths";

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|tsx)$/.test(e.name)) out.push(p);
  }
  return out;
}

const zh = Object.assign({}, ...catalogs.map((c) => c["zh-CN"])) as Record<string, string>;
const HAN = /[\u4e00-\u9fff]/;

describe("messages from the catalogue", () => {
  it("every message key given to msg(), accessError() or t() in the code exists in both languages", () => {
    const missing: string[] = [];
    for (const file of sourceFiles(path.join(ROOT, "app"))) {
      const text = fs.readFileSync(file, "utf8");
      for (const m of text.matchAll(/\bmsg\(\s*"([^"]+)"/g)) if (!hasMessage(m[1]) || !zh[m[1]]) missing.push(`${path.relative(ROOT, file)}: ${m[1]}`);
      for (const m of text.matchAll(/accessError\(\s*"[a-z_]+",\s*"([^"]+)"/g)) if (!hasMessage(m[1]) || !zh[m[1]]) missing.push(`${path.relative(ROOT, file)}: ${m[1]}`);
    }
    expect(missing).toEqual([]);
  });

  it("no error thrown to people carries a plain English sentence instead of a catalogue message", () => {
    // Domain errors (NotFoundError, AccessDeniedError, ValidationError, ConflictError, DomainError) built from a string
    // literal or template: their text would reach a page in English. Allowed: errors no person sees (start-up, CLI, backup tooling).
    const ALLOWED_FILES = new Set(["app/data/db.server.ts", "app/backup/restore.server.ts", "app/backup/backup.server.ts", "app/import/boot.server.ts", "app/data/migrate-data.server.ts"]);
    const plain: string[] = [];
    for (const file of sourceFiles(path.join(ROOT, "app"))) {
      const rel = path.relative(ROOT, file);
      if (ALLOWED_FILES.has(rel)) continue;
      const text = fs.readFileSync(file, "utf8");
      for (const m of text.matchAll(/new (NotFoundError|AccessDeniedError|ValidationError|ConflictError)\(\s*["`]/g)) plain.push(`${rel}: ${m[0]}`);
      for (const m of text.matchAll(/new DomainError\(\s*"[a-z_]+",\s*["`]/g)) plain.push(`${rel}: ${m[0]}`);
    }
    expect(plain).toEqual([]);
  });

  it("a domain error is English for the API and the reader's language on pages", () => {
    const e = new NotFoundError(msg("documents.err.noDocument", { number: "EXE-999" }));
    expect(e.message).toBe("There is no document EXE-999");
    expect(errorText(e, "zh-CN")).toBe("没有编号为 EXE-999 的文档");
    expect(errorText(e, "en")).toBe("There is no document EXE-999");
    const v = new ValidationError(msg("revisions.err.datePast", { date: "2020-01-01" }), { effectiveDate: "in the past" });
    expect(errorText(v, "zh-CN")).toBe("生效日期 2020-01-01 已过");
    // A message without a key is shown by its status's title, never as English, in Chinese.
    expect(errorText(new ValidationError("Something English"), "zh-CN")).toBe(translate("zh-CN", "error.400"));
  });

  it("field codes are written in the reader's language, numbers kept", () => {
    expect(fieldText("use YYYY-MM-DD", "zh-CN")).toBe("请按 YYYY-MM-DD 格式填写日期");
    expect(fieldText("wrong password", "zh-CN")).toBe("密码不正确");
    expect(fieldText("in the past", "zh-CN")).toBe("该日期已过");
    expect(fieldText("at most 200 characters", "zh-CN")).toBe("最多 200 个字符");
    expect(fieldText("at least 8 characters", "zh-CN")).toBe("至少 8 个字符");
    expect(fieldText("at least 8 characters", "en")).toBe("At least 8 characters");
    expect(fieldText("required", "en")).toBe("Required");
    // An unknown code: as it is in English, a generic hint in Chinese.
    expect(fieldText("some new code", "en")).toBe("some new code");
    expect(fieldText("some new code", "zh-CN")).toMatch(HAN);
  });

  it("every field code written in the code has a catalogue entry", () => {
    // Codes in fieldErrors objects and zod schema messages: "required", "use YYYY-MM-DD", "at most 200 characters" …
    const codes = new Set<string>();
    for (const file of sourceFiles(path.join(ROOT, "app"))) {
      const text = fs.readFileSync(file, "utf8");
      for (const m of text.matchAll(/\{\s*[a-zA-Z]+: "([a-z][a-z0-9 ,.()'-]*)"\s*\}/g)) if (/fieldErrors|Error\(|invalid\(/.test(text.slice(Math.max(0, m.index! - 200), m.index!))) codes.add(m[1]);
      for (const m of text.matchAll(/\.(?:min|max|regex|refine)\([^)]*?,\s*"([a-z][^"]*)"\)/g)) codes.add(m[1]);
    }
    codes.delete("new"); // the id of a new webhook form (extra data of invalid()), not a field code
    const untranslated = [...codes].filter((code) => !HAN.test(fieldText(code, "zh-CN")) || fieldText(code, "zh-CN") === translate("zh-CN", "fe.invalid") && code !== "invalid");
    expect(untranslated).toEqual([]);
  });

  it("audit actions and details read as words", () => {
    const t = translator("zh-CN");
    expect(auditActionText(t, "proposal.approve")).toBe("批准修订申请");
    expect(auditActionText(t, "department.create")).toBe("创建部门");
    expect(auditActionText(t, "something.new")).toBe("something.new");
    const lines = auditDetailLines(t, { code: "bad_request", reason: "Please correct the highlighted fields", reasonKey: "form.invalid", number: "EXE-001" });
    expect(lines).toEqual([
      { label: "代码", value: "输入无效" },
      { label: "原因", value: "请更正标出的项目" },
      { label: "编号", value: "EXE-001" },
    ]);
  });

  it("changed details show departments, types and confidentiality by name", () => {
    const t = (key: string) => translate("zh-CN", key);
    const labels = { departments: { docctl: { "zh-CN": "文控中心", en: "Document control" }, ops: { "zh-CN": "运营部", en: "Operations" } } };
    expect(metaValueText("ownerDepartment", "docctl", labels, t, "zh-CN")).toBe("文控中心");
    expect(metaValueText("audienceDepartments", "ops, docctl", labels, t, "zh-CN")).toBe("运营部、文控中心");
    expect(metaValueText("confidentiality", "restricted", labels, t, "zh-CN")).toBe(translate("zh-CN", "doc.conf.restricted"));
    expect(metaValueText("title", "", labels, t, "zh-CN")).toBe("—");
  });
});

describe("rendered HTML stays inside its container", () => {
  it("table parts outside a table are left out, their text kept", () => {
    expect(keepTablePartsInTables("<p>a</p><td>cell</td><tr><th>head</th></tr>")).toBe("<p>a</p>cellhead");
    const table = '<table><thead><tr><th align="left">h</th></tr></thead><tbody><tr><td>x &amp; y<br></td></tr></tbody></table>';
    expect(keepTablePartsInTables(table)).toBe(table);
    expect(keepTablePartsInTables('<a href="/x?a=1&amp;b=&quot;2&quot;">l</a>')).toBe('<a href="/x?a=1&amp;b=&quot;2&quot;">l</a>');
  });

  it("a document with stray cells renders none outside a table", () => {
    const html = renderMarkdown("<td>one</td>\n\n<tr><td>two</td></tr>\n\n| a |\n|---|\n| b |").html;
    const outside = html.replace(/<table>[\s\S]*?<\/table>/g, "");
    expect(outside).not.toMatch(/<(td|tr|th|tbody|thead|tfoot|caption)\b/);
    expect(html).toContain("one");
    expect(html).toMatch(/<table>[\s\S]*<td>b<\/td>/);
  });
});
