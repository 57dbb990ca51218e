/**
 * Path tricks against the built portal over raw HTTP (the request line is sent
 * exactly as written, so `..`, `%2f`, double encoding and backslashes reach
 * the server un-normalised): document numbers and versions on every document
 * route and the JSON API, static assets, backup downloads, import jobs and
 * the import upload itself. Each probe must be refused with 400 or 404 —
 * never a 500 and never a byte of a file it names (the database, the session
 * secret, the repository config, /etc/passwd, package.json). After the
 * import, nothing may exist outside the data folder's own places, the
 * repository holds only document paths, and `git fsck` passes.
 *
 * Session tampering and the sign-in rate limit are covered in
 * portal-http.test.ts ("rejects a tampered session cookie", "refuses a wrong
 * password with 401 and rate-limits repeated failures"); the cases here are
 * the ones it does not try: a stripped or re-signed cookie carrying a live
 * session, replay after sign-out, and rate-limit evasion by spoofed
 * X-Forwarded-For and username spelling.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, signIn } from "../helpers/client";
import { ROOT } from "../helpers/paths";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";

let world: World;
let server: RunningServer;
let admin: Client;
let backupFile: string;
/** Strings that only appear in files a traversal would be after. */
let secrets: { name: string; text: string }[];

const DOC = "EXE-001";

beforeAll(async () => {
  world = await createWorld();
  server = await world.server();
  admin = await signedIn("admin");
  const made = await admin.post("/admin/backups", { intent: "backup-now" });
  expect(made.status).toBe(302);
  backupFile = decodeURIComponent(/made=([^&]+)/.exec(made.headers.get("location") ?? "")?.[1] ?? "");
  expect(backupFile).toMatch(/^regula-backup-\d{8}-\d{6}Z(-\d+)?\.tar\.gz$/);
  const vapid = JSON.parse(fs.readFileSync(path.join(world.dataDir, "vapid.json"), "utf8")) as { privateKey: string };
  secrets = [
    { name: "db.json", text: "passwordHash" },
    { name: "session-secret", text: fs.readFileSync(path.join(world.dataDir, "session-secret"), "utf8").trim() },
    { name: "vapid.json", text: vapid.privateKey },
    { name: "repo/config", text: "repositoryformatversion" },
    { name: "/etc/passwd", text: "root:x:0:0" },
    { name: "package.json", text: '"devDependencies"' },
    { name: "server build", text: "createRequestHandler" },
  ];
});
afterAll(async () => world?.cleanup());

function signedIn(username: string) {
  return signIn(server.url, username);
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with the path sent verbatim (fetch would resolve `..` and re-encode before sending). */
function raw(target: string, options: { cookie?: string; method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: server.port,
        path: target,
        method: options.method ?? "GET",
        headers: { Cookie: options.cookie ?? "", Connection: "close", ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (options.body) req.write(options.body);
    req.end();
  });
}

/** A request line Node's client refuses to send (raw NUL, spaces): written straight to the socket. */
function rawSocket(requestLine: string, cookie: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, "127.0.0.1");
    let out = "";
    socket.on("data", (d) => (out += d.toString("latin1")));
    socket.on("end", () => resolve(out));
    socket.on("error", reject);
    socket.write(`${requestLine}\r\nHost: 127.0.0.1:${server.port}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`, "latin1");
    setTimeout(() => socket.end(), 5_000).unref();
  });
}

/** Asserts a probe was refused cleanly and leaked nothing; returns the response for more checks. */
async function refused(target: string, options: { cookie?: string; allowed?: number[]; method?: string; body?: string; headers?: Record<string, string> } = {}) {
  const res = await raw(target, { cookie: options.cookie ?? admin.cookieHeader(), method: options.method, body: options.body, headers: options.headers });
  const label = `${options.method ?? "GET"} ${target.length > 120 ? `${target.slice(0, 120)}…(${target.length})` : target}`;
  expect(res.status, label).not.toBe(500);
  expect(options.allowed ?? [400, 404], `${label} answered ${res.status}: ${res.body.slice(0, 200)}`).toContain(res.status);
  for (const s of secrets) expect(res.body.includes(s.text), `${label} leaked ${s.name}`).toBe(false);
  expect(res.body, label).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
  return res;
}

/** Number-shaped tricks, written as they appear in the path (already URL-encoded where meant). */
const NUMBER_TRICKS = [
  "..%2F..%2Fdb.json",
  "..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
  "%2e%2e%2f%2e%2e%2fdb.json",
  "%2E%2E%2Fsession-secret",
  "%252e%252e%252fdb.json",
  "..%252f..%252fdb.json",
  "..%5c..%5cdb.json",
  "..\\..\\db.json",
  "..%5C..%5Crepo%5Cconfig",
  `${DOC}%2F..%2F..%2Fdb.json`,
  `${DOC}%2F..%2F..%2F..%2Frepo%2Fconfig`,
  `${DOC}%00`,
  `${DOC}%00.md`,
  "%00",
  ".git%2Fconfig",
  ".git",
  "repo%2Fconfig",
  "....%2F%2F....%2F%2Fdb.json",
  "%c0%ae%c0%ae%c0%afdb.json",
  "%u002e%u002e%u002fdb.json",
  `${DOC}%20`,
  "EXE-001.md",
  "documents%2FEXE%2FEXE-001.md",
  "A".repeat(8_000),
  `EXE-${"9".repeat(5_000)}`,
];

/** Every document route, with the number put in its place. */
const DOC_ROUTES = [
  (n: string) => `/docs/${n}`,
  (n: string) => `/docs/${n}/history`,
  (n: string) => `/docs/${n}/diff?from=1&to=2`,
  (n: string) => `/docs/${n}/raw`,
  (n: string) => `/docs/${n}/raw?version=1`,
  (n: string) => `/docs/${n}/v/1`,
  (n: string) => `/docs/${n}/v/1/print`,
  (n: string) => `/docs/${n}/print`,
  (n: string) => `/docs/${n}/suggestions`,
  (n: string) => `/docs/${n}/upcoming`,
  (n: string) => `/docs/${n}/propose`,
  (n: string) => `/api/v1/documents/${n}`,
  (n: string) => `/api/v1/documents/${n}/versions`,
  (n: string) => `/api/v1/documents/${n}/versions/1`,
  (n: string) => `/api/v1/documents/${n}/diff?from=1&to=2`,
];

describe("the probes can see a leak (controls)", () => {
  it("the real document, its source, its API record and the real backup answer 200", async () => {
    const page = await raw(`/docs/${DOC}`, { cookie: admin.cookieHeader() });
    expect(page.status).toBe(200);
    const source = await raw(`/docs/${DOC}/raw`, { cookie: admin.cookieHeader() });
    expect(source.status).toBe(200);
    expect(source.body).toMatch(new RegExp(`^---\\nnumber: ${DOC}`));
    const api = await raw(`/api/v1/documents/${DOC}`, { cookie: admin.cookieHeader(), headers: { Accept: "application/json" } });
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body).number).toBe(DOC);
    const backup = await raw(`/admin/backups/${backupFile}`, { cookie: admin.cookieHeader() });
    expect(backup.status).toBe(200);
    expect(backup.headers["content-type"]).toBe("application/gzip");
    // The secrets are real strings from the world's files, so a leak would be seen.
    for (const s of secrets) expect(s.text.length, s.name).toBeGreaterThan(8);
  });
});

describe("document numbers", () => {
  it("every document route and the JSON API refuse traversal, encoded, double-encoded, backslash, NUL and oversized numbers", async () => {
    for (const trick of NUMBER_TRICKS) {
      for (const route of DOC_ROUTES) {
        const target = route(trick);
        await refused(target, { headers: target.startsWith("/api/") ? { Accept: "application/json" } : {} });
      }
    }
  });

  it("unencoded dot segments resolve to no file and no other document", async () => {
    for (const target of [
      `/docs/${DOC}/../../db.json`,
      `/docs/../../../../etc/passwd`,
      `/docs/./../.git/config`,
      `/docs/${DOC}/../../repo/config`,
      `/docs/${DOC}/..%2f..%2f..%2fdb.json`,
      `/docs/${DOC}/raw/../../../session-secret`,
      `/api/v1/documents/${DOC}/../../../../db.json`,
      `/api/v1/documents/..%2f..%2fdb.json/versions`,
    ]) {
      await refused(target, { headers: target.startsWith("/api/") ? { Accept: "application/json" } : {} });
    }
  });

  it("refuses versions that are not plain numbers", async () => {
    for (const v of ["..%2f1", "..%2F..%2Fdb.json", "1%2f..%2f..%2fdb.json", "%2e%2e%2f1", "1%00", "1.md", "-1", "0x1", "1e3", "..\\1", "9".repeat(4_000)]) {
      await refused(`/docs/${DOC}/v/${v}`);
      await refused(`/docs/${DOC}/v/${v}/print`);
      await refused(`/docs/${DOC}/raw?version=${v}`);
      await refused(`/docs/${DOC}/diff?from=${v}&to=2`);
      await refused(`/docs/${DOC}/diff?from=1&to=${v}`);
      await refused(`/api/v1/documents/${DOC}/versions/${v}`, { headers: { Accept: "application/json" } });
      await refused(`/api/v1/documents/${DOC}/diff?from=${v}&to=2`, { headers: { Accept: "application/json" } });
    }
  });

  it("a whole %2e%2e segment is a dot segment (URL standard): it names the document itself, never a file", async () => {
    for (const target of [`/docs/${DOC}/v/%2e%2e`, `/docs/${DOC}/v/%2E%2E/print`, `/api/v1/documents/${DOC}/versions/%2e%2e`]) {
      const res = await raw(target, { cookie: admin.cookieHeader(), headers: target.startsWith("/api/") ? { Accept: "application/json" } : {} });
      expect(res.status, target).toBe(200);
      expect(res.body, target).toContain(DOC);
      for (const s of secrets) expect(res.body.includes(s.text), `${target} leaked ${s.name}`).toBe(false);
    }
  });

  it("a request line over the server's header limit is refused before it reaches the app", async () => {
    await refused(`/docs/${"..%2f".repeat(4_000)}db.json`, { allowed: [400, 404, 414, 431] });
  });

  it("a raw NUL or space in the request line is refused by the HTTP server itself", async () => {
    for (const line of [`GET /docs/${DOC}\u0000/../../db.json HTTP/1.1`, `GET /docs/${DOC} /../db.json HTTP/1.1`]) {
      const answer = await rawSocket(line, admin.cookieHeader());
      expect(answer, JSON.stringify(line)).toMatch(/^HTTP\/1\.[01] 400 /);
      for (const s of secrets) expect(answer.includes(s.text), s.name).toBe(false);
    }
  });
});

describe("static files, backups, import jobs and other id routes", () => {
  it("static asset handlers serve nothing outside their folders", async () => {
    for (const target of [
      "/db.json",
      "/session-secret",
      "/package.json",
      "/.git/config",
      "/repo/config",
      "/..%2fpackage.json",
      "/%2e%2e%2fpackage.json",
      "/%2e%2e/%2e%2e/etc/passwd",
      "/..\\..\\package.json",
      "/..%5cpackage.json",
      "/assets/..%2f..%2fserver%2findex.js",
      "/assets/%2e%2e/%2e%2e/server/index.js",
      "/assets/..%5c..%5cserver%5cindex.js",
      "/assets/..%252f..%252fserver%252findex.js",
      "/favicon.svg%2f..%2f..%2fpackage.json",
      "/favicon.svg/..%2f..%2fpackage.json",
      "/sw.js%00.html",
    ]) {
      const allowed = [400, 404];
      await refused(target, { allowed });
      await refused(target, { allowed, cookie: "" }); // anonymous: no page at all, not even a file
    }
  });

  it("backup downloads and re-verification take only listed backup names", async () => {
    for (const name of [
      "..%2fdb.json",
      "..%2F..%2Fdb.json",
      "%2e%2e%2fsession-secret",
      "..%5cdb.json",
      "..\\db.json",
      `${backupFile}%2f..%2f..%2fdb.json`,
      `${backupFile}.json`,
      `${backupFile}%00`,
      `..%2fbackups%2f${backupFile}`,
      "regula-backup-20000101-000000Z.tar.gz",
      "%252e%252e%252fdb.json",
      "x".repeat(6_000),
    ]) {
      await refused(`/admin/backups/${name}`);
    }
    for (const file of ["../db.json", "../../repo/config", `../backups/${backupFile}`, `${backupFile}/../../db.json`, "..\\session-secret", `${backupFile}\u0000`]) {
      const res = await admin.post("/admin/backups", { intent: "verify", file });
      expect([400, 404], file).toContain(res.status);
      for (const s of secrets) expect(res.text_.includes(s.text), s.name).toBe(false);
    }
  });

  it("import jobs, categories, guides, proposals, requests and notifications refuse path-shaped ids", async () => {
    const ids = ["..%2f..%2fdb.json", "%2e%2e%2f%2e%2e%2frepo", "..%5c..%5cdb.json", "..%252f..%252fdb.json"];
    const routes = [
      (id: string) => `/admin/import/${id}`,
      (id: string) => `/categories/${id}`,
      (id: string) => `/onboarding/guides/${id}`,
      (id: string) => `/proposals/${id}`,
      (id: string) => `/access/requests/${id}`,
      (id: string) => `/notifications/${id}`,
      (id: string) => `/dashboard/${id}`,
      (id: string) => `/api/v1/proposals/${id}`,
      (id: string) => `/api/v1/access/requests/${id}`,
    ];
    for (const id of ids) {
      for (const route of routes) {
        const target = route(id);
        await refused(target, { headers: target.startsWith("/api/") ? { Accept: "application/json" } : {} });
      }
    }
  });

  it("a traversal id posted to an import job neither runs nor deletes anything", async () => {
    const before = listTree(world.dataDir);
    for (const id of ["..%2f..%2frepo", "..%2F..", "%2e%2e%2f%2e%2e%2frepo", "..%5c..%5crepo"]) {
      for (const intent of ["discard", "run"]) {
        const body = new URLSearchParams({ intent, _csrf: admin.csrf }).toString();
        await refused(`/admin/import/${id}`, {
          method: "POST",
          body,
          headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: server.url, "Content-Length": String(Buffer.byteLength(body)) },
        });
      }
    }
    const after = listTree(world.dataDir);
    const gone = [...before].filter((p) => !after.has(p) && !/^(audit|search|cache|notifications)\//.test(p) && p !== "db.json");
    expect(gone).toEqual([]);
    expect(fs.existsSync(path.join(world.dataDir, "repo", "HEAD"))).toBe(true);
  });
});

/** Relative paths of every file under a folder. */
function listTree(dir: string): Set<string> {
  const out = new Set<string>();
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.add(r);
    }
  };
  walk(dir, "");
  return out;
}

function git(...args: string[]) {
  return execFileSync("git", ["-C", path.join(world.dataDir, "repo"), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("the import upload", () => {
  const MARK = `EVILTRAVERSAL${process.pid}`;
  const evilName = (what: string) => `evil-${what}-${MARK}`;

  async function upload(fields: Record<string, string>, files: { name: string; data: Buffer | string }[]) {
    await admin.get("/admin/import");
    return admin.postFiles("/admin/import", fields, files);
  }

  function md(title: string, front = "") {
    return `---\ntitle: ${title}\n${front}---\n\n## ${MARK}\n\nBody of ${title}.\n`;
  }

  it("cleans traversal, absolute, backslash and .git names; writes only inside the data folder; keeps the repository sound", async () => {
    const hooksBefore = fs.readdirSync(path.join(world.dataDir, "repo", "hooks")).sort();
    const configBefore = fs.readFileSync(path.join(world.dataDir, "repo", "config"), "utf8");
    const treeBefore = git("ls-tree", "-r", "--name-only", "main").split("\n").filter(Boolean);
    const docx = fs.readFileSync(path.join(ROOT, "tests/fixtures/docx/procedure.docx"));
    const files = [
      { name: `../../${evilName("up")}.md`, data: md("Up two") },
      { name: `../../../../../../tmp/${evilName("tmp")}.md`, data: md("Into tmp") },
      { name: `/tmp/${evilName("abs")}.md`, data: md("Absolute") },
      { name: `..\\..\\${evilName("back")}.md`, data: md("Backslashes") },
      { name: `C:\\Windows\\${evilName("win")}.md`, data: md("Drive letter") },
      { name: `%2e%2e%2f${evilName("enc")}.md`, data: md("Encoded dots") },
      { name: `.git/hooks/post-commit`, data: `#!/bin/sh\necho ${MARK} > /tmp/${evilName("hook")}\n` },
      { name: `.git/${evilName("git")}.md`, data: md("Dot git") },
      { name: `repo/hooks/${evilName("hook2")}.md`, data: md("Repo hooks") },
      { name: `../repo/objects/${evilName("obj")}.md`, data: md("Objects") },
      { name: `../../${evilName("docx")}.docx`, data: docx },
      { name: `documents/EXE/${DOC}.md`, data: md("Overwrite EXE-001", `number: ${DOC}\n`) },
      { name: `${evilName("fm")}.md`, data: md("Front-matter tricks", "number: ../../evil\n") },
      { name: `${evilName("fm2")}.md`, data: md("Category trick", "category: ../../repo\n") },
      { name: `${evilName("fm3")}.md`, data: md("Department trick", "owner_department: ../../db\n") },
    ];
    const check = await upload({ intent: "check", category: "INI", type: "procedure", ownerDepartment: "qa", confidentiality: "internal" }, files);
    expect(check.status, check.text.slice(0, 300)).toBe(302);
    expect(check.location).toMatch(/^\/admin\/import\/[0-9a-f-]{36}$/);
    const run = await admin.post(check.location, { intent: "run" });
    expect(run.status).toBe(302);
    let html = "";
    for (let i = 0; i < 150; i++) {
      const res = await admin.get(check.location);
      expect(res.status).toBe(200);
      html = res.text_;
      if (!html.includes('id="import-progress"')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(html).not.toContain('id="import-progress"');

    // The report names every file by its cleaned name: no "..", no leading "/", no backslash.
    const reported = [...html.matchAll(/<tr class="outcome-(\w+)" data-file="([^"]+)">/g)].map((m) => ({ outcome: m[1], file: m[2].replace(/&amp;/g, "&") }));
    expect(reported).toHaveLength(files.length);
    for (const r of reported) {
      expect(r.file.split("/"), r.file).not.toContain("..");
      expect(r.file, r.file).not.toMatch(/^\/|\\/);
    }
    const outcome = (needle: string) => reported.filter((r) => r.file.includes(needle)).map((r) => r.outcome);
    expect(outcome("post-commit")).toEqual(["skipped"]); // not markdown or Word
    expect(outcome(`EXE/${DOC}.md`)).toEqual(["skipped"]); // its number is taken; never overwritten
    expect(reported.filter((r) => r.outcome === "imported").length).toBeGreaterThanOrEqual(8);

    // The repository holds only document paths, EXE-001 is unchanged, and git is sound.
    const tree = git("ls-tree", "-r", "--name-only", "main").split("\n").filter(Boolean);
    for (const p of tree) expect(p).toMatch(/^documents\/[A-Z][A-Z0-9]{1,7}\/[A-Z][A-Z0-9]{1,7}-\d{3,6}\.md$/);
    expect(tree.length).toBeGreaterThan(treeBefore.length);
    expect(git("show", `main:documents/EXE/${DOC}.md`)).not.toContain(MARK);
    expect(git("show", `main:documents/EXE/${DOC}.md`)).not.toContain("Overwrite EXE-001");
    const fsck = spawnSync("git", ["-C", path.join(world.dataDir, "repo"), "fsck", "--full", "--no-dangling"], { encoding: "utf8" });
    expect(fsck.status, fsck.stderr).toBe(0);
    expect(fs.readdirSync(path.join(world.dataDir, "repo", "hooks")).sort()).toEqual(hooksBefore);
    expect(fs.readFileSync(path.join(world.dataDir, "repo", "config"), "utf8")).toBe(configBefore);

    // Nothing named after the upload exists in the data folder, next to it, in /tmp or in the project.
    const named = (dir: string, recursive: boolean) => {
      if (!fs.existsSync(dir)) return [];
      const out: string[] = [];
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          if (e.name.includes(MARK)) out.push(path.join(d, e.name));
          if (recursive && e.isDirectory() && e.name !== "node_modules" && e.name !== ".git" && e.name !== ".test-build") walk(path.join(d, e.name));
        }
      };
      walk(dir);
      return out;
    };
    expect(named(world.dataDir, true)).toEqual([]);
    expect(named(path.dirname(world.dataDir), false)).toEqual([]);
    expect(named("/tmp", false)).toEqual([]);
    expect(named(ROOT, true)).toEqual([]);
    expect(named("/", false)).toEqual([]);
    // The stored upload lived under imports/<job>/ and is gone once the job has run.
    const jobDir = path.join(world.dataDir, "imports", check.location.split("/").pop()!);
    expect(fs.existsSync(jobDir)).toBe(false);
  });
});

describe("sessions and the sign-in rate limit (cases portal-http.test.ts does not try)", () => {
  function splitCookie(value: string) {
    const decoded = decodeURIComponent(value);
    const dot = decoded.lastIndexOf(".");
    return { payload: decoded.slice(0, dot), signature: decoded.slice(dot + 1) };
  }
  const sign = (payload: string, secret: string) => `${payload}.${createHmac("sha256", secret).update(payload).digest("base64").replace(/=+$/, "")}`;

  it("refuses a live session's cookie when it is unsigned or signed with another secret", async () => {
    const c = await signedIn("admin");
    const { payload, signature } = splitCookie(c.cookies.get("__regula")!);
    const secret = secrets.find((s) => s.name === "session-secret")!.text;
    const as = (value: string) => raw("/admin", { cookie: `__regula=${encodeURIComponent(value)}` });
    // Control: the test signs as the portal does, so the refusals below are about the signature.
    expect(sign(payload, secret)).toBe(`${payload}.${signature}`);
    expect((await as(sign(payload, secret))).status).toBe(200);
    for (const forged of [payload, `${payload}.`, sign(payload, "not-the-secret"), sign(payload, `${secret} `)]) {
      const res = await as(forged);
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe("/login?redirectTo=%2Fadmin");
    }
  });

  it("refuses a session cookie replayed after signing out", async () => {
    const c = await signedIn("editor");
    const captured = c.cookieHeader();
    expect((await raw("/proposals", { cookie: captured })).status).toBe(200);
    expect((await c.post("/logout", {})).status).toBe(302);
    const replay = await raw("/proposals", { cookie: captured });
    expect(replay.status).toBe(302);
    expect(replay.headers.location).toMatch(/^\/login/);
  });

  it("does not let spoofed X-Forwarded-For addresses or other spellings of the name reset the limit", async () => {
    const c = new Client(server.url);
    await c.get("/login");
    const spellings = ["finhead", "FinHead", " finhead", "FINHEAD ", "finhead"];
    for (const [i, username] of spellings.entries()) {
      const res = await c.post("/login", { username, password: "wrong-password" }, { headers: { "X-Forwarded-For": `203.0.113.${i + 1}` } });
      expect(res.status).toBe(401);
    }
    const limited = await c.post("/login", { username: "finhead", password: "demo1234" }, { headers: { "X-Forwarded-For": "198.51.100.7" } });
    expect(limited.status).toBe(429);
    expect(c.cookies.has("__regula") && (await c.get("/admin")).status === 200).toBe(false);
  });
});
