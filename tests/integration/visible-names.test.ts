/**
 * Short names people see must show what they say: titles (and department and
 * person names) made only of zero-width characters are refused with a message
 * in the reader's language, and format characters such as U+202E (which would
 * make a title read backwards) are removed before anything is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn, type Client } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";

let world: World;
let server: RunningServer;
beforeAll(async () => {
  world = await createWorld();
  server = await world.server({ REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0" });
});
afterAll(async () => world?.cleanup());

const ZERO_WIDTH = "\u200B\u200C\u200D\u2060\uFEFF";
const RLO = "\u202E";
const EN = "Type visible characters: zero-width and text-direction characters are removed, and nothing visible was left";
const ZH = "请输入可见字符：零宽字符和文字方向控制字符会被删除，删除后没有剩下可见内容";

function newDocument(c: Client, title: string) {
  return c.post("/proposals/new", {
    intent: "create",
    category: "INI",
    type: "form",
    title,
    ownerDepartment: "ops",
    confidentiality: "internal",
    body: "# 表单\n\n内容。\n",
    summary: "新建表单",
  });
}

describe("document titles", () => {
  it("refuses a title of zero-width characters only, in the reader's language, and creates nothing", async () => {
    const en = await signIn(server.url, "editor", { lang: "en" });
    const before = (await en.get("/proposals")).text_.match(/P-\d{4}/g)?.length ?? 0;
    const refused = await newDocument(en, ZERO_WIDTH);
    expect(refused.status).toBe(400);
    expect(refused.text_).toContain(EN);
    for (const title of [`${ZERO_WIDTH} ${RLO}`, "\u2066\u2069\u200E\u200F", "\u3164\u3164"]) {
      const again = await newDocument(en, title);
      expect(again.status, JSON.stringify(title)).toBe(400);
    }
    const zh = await signIn(server.url, "editor", { lang: "zh-CN" });
    const refusedZh = await newDocument(zh, ZERO_WIDTH);
    expect(refusedZh.status).toBe(400);
    expect(refusedZh.text_).toContain(ZH);
    expect((await en.get("/proposals")).text_.match(/P-\d{4}/g)?.length ?? 0).toBe(before);
  });

  it("removes text-direction controls from a title before it is stored", async () => {
    const editor = await signIn(server.url, "editor", { lang: "en" });
    const res = await newDocument(editor, `${RLO}设备维修${ZERO_WIDTH}申请单\u2066`);
    expect(res.status).toBe(302);
    const page = await editor.get(res.headers.get("location")!);
    expect(page.text_).toContain("设备维修申请单");
    expect(page.text_).not.toMatch(/[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/);
  });

  it("answers the JSON API with 400 and an English field message", async () => {
    const editor = await signIn(server.url, "editor");
    const res = await fetch(`${server.url}/api/v1/proposals`, {
      method: "POST",
      headers: { Cookie: editor.cookieHeader(), "Content-Type": "application/json", Accept: "application/json", Origin: server.url, "X-CSRF-Token": editor.csrf },
      body: JSON.stringify({ kind: "new", category: "INI", type: "form", title: `${ZERO_WIDTH}${RLO}`, ownerDepartment: "ops", body: "# x\n\ny\n" }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { fieldErrors?: Record<string, string> } };
    expect(body.error.fieldErrors?.title).toBe(EN);
  });
});

describe("department and person names", () => {
  it("refuses invisible department names and strips direction controls from visible ones", async () => {
    const admin = await signIn(server.url, "admin", { lang: "zh-CN" });
    const refused = await admin.post("/admin/departments", { intent: "create", id: "legal", nameZh: ZERO_WIDTH, nameEn: "Legal" });
    expect(refused.status).toBe(400);
    expect(refused.text_).toContain(ZH);
    const saved = await admin.post("/admin/departments", { intent: "create", id: "legal", nameZh: `${RLO}法务部`, nameEn: `Legal${ZERO_WIDTH}` });
    expect(saved.status).toBe(302);
    const list = await admin.get("/admin/departments");
    expect(list.text_).toContain('value="法务部"');
    expect(list.text_).not.toContain(RLO);
  });

  it("refuses a person's name made of invisible characters", async () => {
    const admin = await signIn(server.url, "admin", { lang: "en" });
    const res = await admin.post("/admin/users", {
      intent: "create",
      username: "ghost",
      name: "\u200F\u200E\u200B",
      email: "ghost@regula.example",
      departmentId: "qa",
      roles: ["staff"],
      password: "ghost-pass-1",
    });
    expect(res.status).toBe(400);
    expect(res.text_).toContain(EN);
    expect((await admin.get("/admin/users")).text_).not.toContain("ghost@regula.example");
  });
});
