/**
 * Every outside channel end to end against a real receiver, with the built
 * portal running as its own process:
 *  - email: a real SMTP server (smtp-server) receives mail in each recipient's language;
 *  - webhooks: a local HTTP receiver that refuses the first attempt; signatures,
 *    the DingTalk/WeCom/Slack formats, the delivery log;
 *  - Web Push: a local HTTPS server stands in for the browser vendor's push
 *    service (not reachable from here); the test plays the browser's part and
 *    decrypts the payload, and checks the VAPID signature;
 *  - restricted documents leak nothing through any of them;
 *  - a delivery queued when the receiver is down arrives after the portal is
 *    killed and started again.
 * Publications go through the portal's publisher via a test hook standing in
 * for the approval workflow.
 */
import { createHmac, createPublicKey, verify } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../helpers/client";
import { freePort, type RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";
import {
  browserPushKeys,
  decryptPush,
  hook,
  publish,
  selfSignedCert,
  startReceiver,
  startSmtp,
  waitFor,
  type ReceivedMail,
} from "./notifications-receivers";

const PUBLIC_URL = "http://portal.example.test";

let world: World;
let server: RunningServer;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let cert: ReturnType<typeof selfSignedCert>;
let pushService: Awaited<ReturnType<typeof startReceiver>>;
const publishTimes: number[] = [];

function signedIn(username: string) {
  // The portal is known by PUBLIC_URL: its forms are posted from pages at that address.
  return signIn(server.url, username, { lang: null, origin: PUBLIC_URL });
}

async function pub(input: Parameters<typeof publish>[1]) {
  const r = await publish(server.url, input);
  publishTimes.push(r.ms);
  return r;
}

function mailsTo(address: string, subject?: RegExp): ReceivedMail[] {
  return smtp.mails.filter((m) => m.to.includes(address) && (!subject || subject.test(m.subject)));
}

beforeAll(async () => {
  smtp = await startSmtp();
  cert = selfSignedCert();
  pushService = await startReceiver({ tls: { key: cert.key, cert: cert.cert }, answer: (r) => (r.url.startsWith("/push/gone") ? 410 : 201) });
  world = await createWorld();
  server = await world.server({
    SMTP_URL: smtp.url,
    MAIL_FROM: "Regula <regula@portal.example.test>",
    PUBLIC_URL,
    NODE_EXTRA_CA_CERTS: cert.certFile,
    REGULA_NO_SCHEDULER: "1",
  });
});

afterAll(async () => {
  await world?.cleanup();
  await smtp?.close();
  await pushService?.close();
  if (cert) fs.rmSync(cert.dir, { recursive: true, force: true });
  if (publishTimes.length) {
    const sorted = [...publishTimes].sort((a, b) => a - b);
    console.log(`[notifications] publication incl. queueing: n=${sorted.length}, p50 ${sorted[Math.floor(sorted.length / 2)]} ms, p95 ${sorted[Math.floor(sorted.length * 0.95)]} ms`);
  }
});

describe("email over a real SMTP server", () => {
  it("mails a major change to each affected person in their own language, with the diff link", async () => {
    const doc = await pub({ actor: "editor", document: { title: "备用金盘点规程", body: "每周盘点一次。", ownerDepartment: "fin", audienceDepartments: ["ops"] } });
    await pub({ actor: "editor", change: "major", summary: "改为每日盘点两次", document: { number: doc.number, body: "每日盘点两次，双人签字。" } });
    const subjectEn = new RegExp(`${doc.number} 备用金盘点规程: major change in v2`);
    const forHead = await waitFor(() => mailsTo("finhead@regula.example", subjectEn)[0], "English mail to finhead");
    expect(forHead.subject).toBe(`[Regula] ${doc.number} 备用金盘点规程: major change in v2`);
    expect(forHead.from).toBe("regula@portal.example.test");
    expect(forHead.text).toContain("改为每日盘点两次");
    expect(forHead.text).toContain(`${PUBLIC_URL}/docs/${doc.number}/diff?from=1&to=2`);
    expect(forHead.text).toContain("Please confirm you have read v2 by");
    expect(forHead.html).toContain(`href="${PUBLIC_URL}/docs/${doc.number}/diff?from=1&amp;to=2"`);
    expect(forHead.headers["auto-submitted"]).toBe("auto-generated");

    const forStaff = await waitFor(() => mailsTo("staff@regula.example", /重大变更/).find((m) => m.subject.includes(doc.number)), "Chinese mail to staff");
    expect(forStaff.subject).toBe(`[Regula] ${doc.number} 备用金盘点规程：v2 重大变更`);
    expect(forStaff.text).toContain("在 Regula 中打开");
    // The publisher is not mailed about their own change.
    expect(mailsTo("editor@regula.example").filter((m) => m.subject.includes(doc.number))).toEqual([]);
  });

  it("holds editorial changes for the daily digest, unless the person asked for them at once", async () => {
    const doc = await pub({ actor: "editor", document: { title: "访客登记表填写说明", body: "访客须登记证件号码。", ownerDepartment: "ops" } });
    await waitFor(() => mailsTo("staff@regula.example").find((m) => m.subject.includes(doc.number)), "new-document mail");
    await pub({ actor: "editor", change: "minor", summary: "修正错别字", document: { number: doc.number } });
    await new Promise((r) => setTimeout(r, 700));
    expect(mailsTo("staff@regula.example").filter((m) => m.subject.includes(`${doc.number}`) && m.subject.includes("编辑性修改"))).toEqual([]);

    // Next morning, after 08:00 company time, the digest goes out once.
    const { now } = (await hook(server.url, {})) as { now: string };
    const shanghai = new Date(Date.parse(now) + 8 * 3600_000);
    const nineAmTomorrow = Date.UTC(shanghai.getUTCFullYear(), shanghai.getUTCMonth(), shanghai.getUTCDate() + 1, 1, 0);
    await hook(server.url, { advanceMs: nineAmTomorrow - Date.parse(now), runJobs: "notifications.digest" });
    const digest = await waitFor(() => mailsTo("staff@regula.example", /每日摘要/)[0], "digest mail");
    expect(digest.text).toContain(`${doc.number} 访客登记表填写说明：v2 编辑性修改`);
    await hook(server.url, { runJobs: "notifications.digest" });
    await new Promise((r) => setTimeout(r, 500));
    expect(mailsTo("staff@regula.example", /每日摘要/)).toHaveLength(1);

    // The person chooses "at once" on the settings page (a plain form post).
    const staff = await signedIn("staff");
    const saved = await staff.post("/settings/notifications", { intent: "prefs", email: ["changes", "minor", "tasks"], push: ["changes"], minorTiming: "immediate" });
    expect(saved.status).toBe(302);
    await pub({ actor: "editor", change: "minor", summary: "调整表格列宽", document: { number: doc.number } });
    const immediate = await waitFor(() => mailsTo("staff@regula.example").find((m) => m.subject === `[Regula] ${doc.number} 访客登记表填写说明：v3 编辑性修改`), "immediate minor mail");
    expect(immediate.text).toContain("调整表格列宽");
    // The page shows the choice as saved: reminders are no longer emailed.
    const reminderBox = /<input [^>]*name="email"[^>]*value="reminders"[^>]*>/.exec((await staff.get("/settings/notifications")).text_)?.[0];
    expect(reminderBox).toBeTruthy();
    expect(reminderBox).not.toContain("checked");
  });
});

describe("webhooks against a real HTTP receiver", () => {
  it("signs each request, retries after a failure with back-off, and logs every attempt", async () => {
    const receiver = await startReceiver({ answer: (_r, i) => (i === 0 ? 500 : 200) });
    try {
      const admin = await signedIn("admin");
      const created = await admin.post("/admin/webhooks", {
        intent: "create",
        name: "运营看板",
        url: `${receiver.url}/regula`,
        format: "json",
        secret: "hook-secret-1",
        events: ["document.published"],
        locale: "zh-CN",
        active: "on",
      });
      expect(created.status).toBe(302);
      const doc = await pub({ actor: "editor", document: { title: "叉车充电作业指引", body: "在 3 号区充电。", ownerDepartment: "ops" } });
      await waitFor(() => receiver.requests.length >= 1, "first attempt");
      expect(receiver.requests[0].status).toBe(500);
      const log1 = await waitFor(async () => {
        const page = await admin.get("/admin/deliveries?channel=webhook");
        return page.text_.includes("HTTP 500") ? page : null;
      }, "the failed attempt in the log");
      expect(log1.text_).toMatch(/data-status="pending"/);
      expect(log1.text_).toContain("下次重试");

      // The retry is due 30 s later on the server's clock.
      await hook(server.url, { advanceMs: 31_000, runJobs: "notifications.outbox" });
      const second = await waitFor(() => receiver.requests[1], "retry");
      expect(second.status).toBe(200);
      const body = second.body.toString("utf8");
      const ts = String(second.headers["x-regula-timestamp"]);
      expect(second.headers["x-regula-signature"]).toBe(`sha256=${createHmac("sha256", "hook-secret-1").update(`${ts}.${body}`).digest("hex")}`);
      expect(second.headers["x-regula-event"]).toBe("document.published");
      expect(second.headers["x-regula-delivery"]).toBe(receiver.requests[0].headers["x-regula-delivery"]);
      const json = JSON.parse(body);
      expect(json).toMatchObject({ event: "document.published", text: `新文档 ${doc.number} 叉车充电作业指引（v1）`, document: { number: doc.number, version: 1, change: "new", url: `${PUBLIC_URL}/docs/${doc.number}` } });

      const log2 = await waitFor(async () => {
        const page = await admin.get("/admin/deliveries?channel=webhook&status=sent");
        return page.text_.includes("已尝试 2 次") ? page : null;
      }, "the delivery logged as sent");
      expect(log2.text_).toContain(`${doc.number} v1 document.published`);
      // Other people may not read the log.
      const staff = await signedIn("staff");
      expect((await staff.get("/admin/deliveries")).status).toBe(403);
      expect((await staff.post("/admin/webhooks", { intent: "create", name: "x", url: "http://127.0.0.1:1/", format: "json", events: "document.published" })).status).toBe(403);

      // Switching the webhook off (the "active" box unticked) keeps it but stops deliveries.
      const page = await admin.get("/admin/webhooks");
      const id = /data-webhook="([^"]+)"/.exec(page.text_)![1];
      await admin.post("/admin/webhooks", { intent: "update", id, name: "运营看板", url: `${receiver.url}/regula`, format: "json", events: ["document.published"], locale: "zh-CN" });
      expect((await admin.get("/admin/webhooks")).text_).toContain("已停用");
    } finally {
      await receiver.close();
    }
  });

  it("speaks DingTalk, WeCom and Slack, and says only 'changed' about documents not open to all staff", async () => {
    const receiver = await startReceiver({ body: JSON.stringify({ errcode: 0, errmsg: "ok" }) });
    try {
      const admin = await signedIn("admin");
      for (const format of ["dingtalk", "wecom", "slack"]) {
        const res = await admin.post("/admin/webhooks", { intent: "create", name: `robot-${format}`, url: `${receiver.url}/${format}?access_token=t`, format, secret: `sec-${format}`, events: ["document.published"], locale: "zh-CN", active: "on" });
        expect(res.status, format).toBe(302);
      }
      const open = await pub({ actor: "editor", document: { title: "月台安全检查", body: "每班检查。", ownerDepartment: "ops" } });
      await pub({ actor: "editor", change: "major", summary: "新增夜班检查项", document: { number: open.number } });
      const secret = await pub({ actor: "finhead", document: { category: "MON", type: "report", title: "年度舞弊调查", body: "涉及代号蓝鲸。", confidentiality: "restricted", ownerDepartment: "fin" } });
      await pub({ actor: "finhead", change: "major", summary: "补充蓝鲸账户证据", document: { number: secret.number, body: "蓝鲸账户流水。" } });

      const bodyFor = async (format: string, number: string, version: number) => {
        const r = await waitFor(
          () => receiver.requests.find((q) => q.url.startsWith(`/${format}`) && q.body.toString().includes(number) && q.body.toString().includes(`v${version}`)),
          `${format} ${number} v${version}`,
        );
        return { req: r, json: JSON.parse(r.body.toString("utf8")) };
      };
      const ding = await bodyFor("dingtalk", open.number, 2);
      expect(ding.json.msgtype).toBe("markdown");
      expect(ding.json.markdown.text).toContain("新增夜班检查项");
      expect(ding.json.markdown.text).toContain(`(${PUBLIC_URL}/docs/${open.number}/diff?from=1&to=2)`);
      const q = new URL(ding.req.url, "http://x").searchParams;
      expect(q.get("access_token")).toBe("t");
      expect(q.get("sign")).toBe(createHmac("sha256", "sec-dingtalk").update(`${q.get("timestamp")}\nsec-dingtalk`).digest("base64"));
      const wecom = await bodyFor("wecom", open.number, 2);
      expect(wecom.json).toMatchObject({ msgtype: "markdown" });
      expect(wecom.json.markdown.content).toContain("新增夜班检查项");
      const slack = await bodyFor("slack", open.number, 2);
      expect(slack.json.text).toBe(`${open.number} 月台安全检查：v2 重大变更`);
      expect(slack.json.blocks[0].text.text).toContain("新增夜班检查项");

      for (const format of ["dingtalk", "wecom", "slack"]) {
        await waitFor(() => receiver.requests.filter((r) => r.url.startsWith(`/${format}`) && r.body.toString().includes(secret.number)).length >= 2, `${format} ${secret.number}`);
        const all = receiver.requests.filter((r) => r.url.startsWith(`/${format}`) && r.body.toString().includes(secret.number));
        for (const r of all) {
          const text = r.body.toString("utf8");
          expect(text).toContain(`${secret.number} 年度舞弊调查 已变更`);
          expect(text).not.toMatch(/蓝鲸|diff|证据/);
        }
      }
    } finally {
      await receiver.close();
    }
  });
});

describe("browser push (Web Push) against a local stand-in for the push service", () => {
  it("sends an encrypted, VAPID-signed push the browser can decrypt; removes subscriptions the service says are gone", async () => {
    const vapid = JSON.parse(fs.readFileSync(path.join(server.dataDir, "vapid.json"), "utf8")) as { publicKey: string; privateKey: string };
    expect(vapid.publicKey).toMatch(/^[A-Za-z0-9_-]{80,}$/);
    const browser = browserPushKeys();
    const itstaff = await signedIn("itstaff");
    const sub = await itstaff.post("/settings/notifications", {
      intent: "push-subscribe",
      subscription: JSON.stringify({ endpoint: `${pushService.url}/push/it-1`, expirationTime: null, keys: browser.keys }),
    });
    expect(sub.status).toBe(200);
    expect((await itstaff.get("/settings/notifications")).text_).toContain("Browsers receiving push");
    // Endpoints must be https, keys must be real keys.
    const bad = await itstaff.post("/settings/notifications", { intent: "push-subscribe", subscription: JSON.stringify({ endpoint: "http://127.0.0.1:9/x", keys: browser.keys }) });
    expect(bad.status).toBe(400);

    const doc = await pub({ actor: "editor", document: { title: "Server room access", body: "Badge in and out.", ownerDepartment: "it" } });
    await pub({ actor: "editor", change: "major", summary: "Two-person rule at night", document: { number: doc.number } });
    const req = await waitFor(
      () => pushService.requests.find((r) => r.url === "/push/it-1" && (() => { try { return decryptPush(r.body, browser).includes("v2"); } catch { return false; } })()),
      "push for v2",
    );
    expect(req.method).toBe("POST");
    expect(req.headers["content-encoding"]).toBe("aes128gcm");
    expect(req.headers.ttl).toBe("86400");
    expect(req.headers.urgency).toBe("high");
    const auth = String(req.headers.authorization);
    const m = /^vapid t=([^,]+), k=(.+)$/.exec(auth);
    expect(m?.[2]).toBe(vapid.publicKey);
    const [h, p, s] = m![1].split(".");
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    expect(claims).toMatchObject({ aud: pushService.url, sub: "mailto:regula@portal.example.test" });
    expect(claims.exp * 1000).toBeGreaterThan(Date.now());
    const raw = Buffer.from(vapid.publicKey, "base64url");
    const key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: raw.subarray(1, 33).toString("base64url"), y: raw.subarray(33).toString("base64url") }, format: "jwk" });
    expect(verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url"))).toBe(true);
    const payload = JSON.parse(decryptPush(req.body, browser));
    expect(payload).toMatchObject({ title: `${doc.number} Server room access: major change in v2`, url: `/docs/${doc.number}/diff?from=1&to=2`, tag: `regula-${doc.number}` });
    expect(payload.body).toContain("Two-person rule at night");

    // A document itstaff may not read: the push says only that it changed.
    const secret = await pub({ actor: "finhead", document: { category: "MON", type: "report", title: "Vendor kickback review", body: "Names vendor Falcon.", confidentiality: "restricted", ownerDepartment: "fin", audienceDepartments: ["it"] } });
    await pub({ actor: "finhead", change: "major", summary: "Falcon paid twice", document: { number: secret.number } });
    const hidden = await waitFor(
      () => pushService.requests.map((r) => { try { return JSON.parse(decryptPush(r.body, browser)); } catch { return null; } }).find((x) => x && x.title.includes(secret.number) && x.title.includes("has changed")),
      "restricted push",
    );
    expect(hidden).toMatchObject({ title: `${secret.number} Vendor kickback review has changed`, body: "", url: `/docs/${secret.number}` });
    expect(JSON.stringify(pushService.requests.map((r) => { try { return decryptPush(r.body, browser); } catch { return ""; } }))).not.toMatch(/Falcon/);

    // The push service says a subscription is gone (410): it is forgotten.
    const other = browserPushKeys();
    await itstaff.post("/settings/notifications", { intent: "push-subscribe", subscription: JSON.stringify({ endpoint: `${pushService.url}/push/gone-1`, keys: other.keys }) });
    await pub({ actor: "editor", change: "major", summary: "Camera added", document: { number: doc.number } });
    await waitFor(() => pushService.requests.find((r) => r.url === "/push/gone-1"), "push to the gone subscription");
    await waitFor(async () => !(await itstaff.get("/settings/notifications")).text_.includes("gone-1") && (await itstaff.get("/settings/notifications")).text_.includes("Browsers receiving push"), "subscription removed");
    const admin = await signedIn("admin");
    await waitFor(async () => (await admin.get("/admin/deliveries?channel=webpush&status=dropped")).text_.includes("subscription expired (410)"), "the dropped push in the log");

    // Turning push off on the settings page removes the browser; nothing more is sent to it.
    const settings = (await itstaff.get("/settings/notifications")).text_;
    const subId = /name="intent" value="push-unsubscribe"\/><input type="hidden" name="id" value="([^"]+)"/.exec(settings)![1];
    expect((await itstaff.post("/settings/notifications", { intent: "push-unsubscribe", id: subId })).status).toBe(302);
    expect((await itstaff.get("/settings/notifications")).text_).not.toContain("Browsers receiving push");
    const before = pushService.requests.filter((r) => r.url === "/push/it-1").length;
    await pub({ actor: "editor", change: "major", summary: "Door alarm", document: { number: doc.number } });
    await new Promise((r) => setTimeout(r, 800));
    expect(pushService.requests.filter((r) => r.url === "/push/it-1").length).toBe(before);
  });
});

describe("restricted documents over email", () => {
  it("emails a non-reader only that the document changed", async () => {
    const doc = await pub({ actor: "finhead", document: { category: "MON", type: "report", title: "库存差异调查", body: "夜班人员证词。代号紫藤。", confidentiality: "restricted", ownerDepartment: "fin", audienceDepartments: ["ops"] } });
    await pub({ actor: "finhead", change: "major", summary: "补充紫藤账本发现", document: { number: doc.number, body: "紫藤账本转账记录。" } });
    const mail = await waitFor(() => mailsTo("approver@regula.example").find((m) => m.subject.includes(doc.number) && m.subject.includes("已变更")), "restricted mail");
    expect(mail.subject).toBe(`[Regula] ${doc.number} 库存差异调查 已变更`);
    expect(mail.raw).not.toMatch(/紫藤|diff/);
    expect(mail.text).toContain(`${PUBLIC_URL}/docs/${doc.number}`);
    for (const m of mailsTo("staff@regula.example").filter((x) => x.subject.includes(doc.number))) expect(m.text).not.toContain("紫藤");
  });
});

describe("delivery survives a restart", () => {
  it("sends a webhook that was queued while the receiver was down after the portal is killed and started again", async () => {
    const port = await freePort();
    const admin = await signedIn("admin");
    await admin.post("/admin/webhooks", { intent: "create", name: "Archive", url: `http://127.0.0.1:${port}/in`, format: "json", secret: "restart-secret", events: ["document.published"], locale: "en", active: "on" });
    const doc = await pub({ actor: "editor", document: { title: "Loading dock schedule", body: "Trucks arrive by 7.", ownerDepartment: "ops" } });
    await waitFor(async () => (await admin.get("/admin/deliveries?channel=webhook&status=pending")).text_.includes(`127.0.0.1:${port}`), "pending delivery");
    await server.stop("SIGKILL");

    const receiver = await startReceiver({ port });
    try {
      server = await world.server({ SMTP_URL: smtp.url, PUBLIC_URL, NODE_EXTRA_CA_CERTS: cert.certFile, REGULA_NO_SCHEDULER: "1" });
      const got = await waitFor(() => receiver.requests.find((r) => r.body.toString().includes(doc.number)), "delivery after restart");
      expect(JSON.parse(got.body.toString())).toMatchObject({ event: "document.published", document: { number: doc.number } });
      // The in-app notification is still there too.
      const staff = await signedIn("staff");
      expect((await staff.get("/notifications")).text_).toContain(`新文档 ${doc.number} Loading dock schedule（v1）`);
    } finally {
      await receiver.close();
    }
  });
});
