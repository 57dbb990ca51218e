/**
 * Publishing a version that carries 20 MB of attachments, over HTTP against
 * the built portal started as its own process (the path an editor and an
 * approver take): a new document proposed through the API, its attachments
 * uploaded one by one to /proposals/<id>/attachments (multipart, as the
 * attachments page sends them), submitted, and approved by every stage's
 * approver until it is published. HTTP rather than the domain functions
 * because reading a 20 MB multipart body, checking and hashing each file and
 * writing it into git are exactly what such a publication costs.
 *
 * The files are made here for every round (so that no blob is already in the
 * repository): a text PDF of a few MB (pdf-lib), a workbook (exceljs), two
 * PNG screenshots with noise, JPEG photos (pdftoppm of a noisy page), a
 * scanned-looking PDF (a page image without a text layer) and incompressible
 * bytes, 20 MB in all. The reference, interleaved with the portal round by
 * round: `git add` + `git commit` of the same files in a plain repository.
 *
 * Measured per round: the whole path (first upload → published), the
 * publication itself (the approval request that publishes), the server's CPU
 * time for the path, and the CPU the portal spends afterwards in the
 * background (attachment text extraction, search indexing) until its queue is
 * empty. OCR is off in this run (TESSERACT=off): it is a background job of
 * seconds per page, measured by scripts/bench/ocr.ts.
 *
 * Alone: `npx tsx scripts/bench/attachments.ts` (builds the app unless
 * BENCH_BUILD_DIR names a build). BENCH_ATTACH_ROUNDS (8), BENCH_ATTACH_MB (20).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ExcelJS from "exceljs";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { PNG } from "pngjs";
import { cpuMs } from "./pages";
import { percentile } from "./query-timing";
import { startPortal, type BenchServer } from "./server";

type Row = (measure: string, result: string, target?: string, ok?: boolean | null) => void;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const MB = 1024 * 1024;
const HEALTH_TOKEN = "bench-attachments-health";
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

// ---- the files --------------------------------------------------------------------

/** A tiny deterministic generator, so that every round's files differ but runs repeat. */
function prng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** A screenshot-like PNG: flat panels and text-like stripes with a little sensor noise. */
function screenshotPng(width: number, height: number, seed: number): Buffer {
  const png = new PNG({ width, height });
  const r = prng(seed);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const panel = (Math.floor(x / 160) + Math.floor(y / 120)) % 3;
      const stripe = y % 24 < 3 && x % 300 < 240 ? 80 : 0;
      const noise = Math.floor(r() * 48);
      png.data[i] = 200 - panel * 40 - stripe + noise;
      png.data[i + 1] = 210 - panel * 25 - stripe + noise;
      png.data[i + 2] = 225 - panel * 10 - stripe + noise;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** A grey "paper" page with dark lines of "writing" and grain, as a scanner makes it. */
function paperPng(width: number, height: number, seed: number): Buffer {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  const grey = Buffer.alloc(width * height);
  const r = prng(seed);
  for (let y = 0; y < height; y++) {
    const line = y % 40 > 24 && y % 40 < 34;
    for (let x = 0; x < width; x++) {
      const ink = line && x > 80 && x < width - 80 && r() < 0.55;
      grey[y * width + x] = ink ? 40 + Math.floor(r() * 60) : 215 + Math.floor(r() * 40);
    }
  }
  png.data = grey;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 } as never);
}

async function scannedPdf(pages: number, seed: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  for (let p = 0; p < pages; p++) {
    const img = await doc.embedPng(paperPng(1000, 1414, seed * 31 + p));
    const page = doc.addPage([595, 842]);
    page.drawImage(img, { x: 0, y: 0, width: 595, height: 842 });
  }
  return Buffer.from(await doc.save());
}

/** A text manual of about `bytes` (Latin text in a standard font, 60 lines a page). */
async function textPdf(bytes: number, seed: number): Promise<Buffer> {
  const words = ["inspection", "forklift", "procedure", "record", "warehouse", "approval", "supplier", "quality", "shift", "brake", "maintenance", "signature", "department", "calibration"];
  const make = async (pages: number) => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const r = prng(seed);
    for (let p = 0; p < pages; p++) {
      const page = doc.addPage([595, 842]);
      page.drawText(`Operating manual, section ${p + 1} (${seed})`, { x: 50, y: 800, size: 14, font });
      for (let l = 0; l < 60; l++) {
        const line = Array.from({ length: 12 }, () => words[Math.floor(r() * words.length)]).join(" ");
        page.drawText(line, { x: 50, y: 770 - l * 12, size: 9, font });
      }
    }
    return Buffer.from(await doc.save({ useObjectStreams: false }));
  };
  // A sample gives the size of a page; the manual then has as many pages as the size asks for.
  const sample = await make(10);
  return make(Math.max(1, Math.round((bytes / sample.length) * 10)));
}

async function workbook(rows: number, seed: number): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("点检记录");
  ws.addRow(["日期", "设备编号", "检查项目", "结果", "读数", "检查人", "备注", "编号"]);
  const r = prng(seed);
  for (let i = 0; i < rows; i++) {
    ws.addRow([`2026-${String(1 + (i % 12)).padStart(2, "0")}-${String(1 + (i % 28)).padStart(2, "0")}`, `FL-${1000 + (i % 300)}`, ["制动", "转向", "液压", "灯光", "轮胎"][i % 5], r() < 0.95 ? "合格" : "不合格", Math.round(r() * 100000) / 100, `检查员${i % 40}`, r() < 0.1 ? "复检" : "", Math.floor(r() * 1e9).toString(36)]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** JPEG photos: a noisy page rendered by pdftoppm (poppler, installed for OCR). */
function jpegPhotos(work: string, seed: number, count: number): Buffer[] {
  const src = path.join(work, `photo-${seed}.pdf`);
  return Array.from({ length: count }, (_, i) => {
    const out = path.join(work, `photo-${seed}-${i}`);
    execFileSync("pdftoppm", ["-jpeg", "-jpegopt", "quality=85", "-r", "200", "-singlefile", src, out]);
    const bytes = fs.readFileSync(`${out}.jpg`);
    fs.rmSync(`${out}.jpg`);
    return bytes;
  });
}

export interface AttachmentSet {
  files: { name: string; bytes: Buffer }[];
  bytes: number;
}

/** The round's files: about `totalMb` MB in the mix the module comment describes. */
export async function makeAttachments(totalMb: number, seed: number, work: string): Promise<AttachmentSet> {
  const scale = totalMb / 20;
  const files: { name: string; bytes: Buffer }[] = [];
  files.push({ name: `叉车操作手册-${seed}.pdf`, bytes: await textPdf(4 * MB * scale, seed) });
  files.push({ name: `点检记录-${seed}.xlsx`, bytes: await workbook(Math.round(30_000 * scale), seed) });
  files.push({ name: `系统截图-${seed}-1.png`, bytes: screenshotPng(1280, Math.round(800 * scale) || 1, seed) });
  files.push({ name: `系统截图-${seed}-2.png`, bytes: screenshotPng(1280, Math.round(800 * scale) || 1, seed + 1) });
  // The photos' source page: a full-colour noisy image on one PDF page.
  const photoDoc = await PDFDocument.create();
  const img = await photoDoc.embedPng(screenshotPng(800, 600, seed + 7));
  photoDoc.addPage([595, 446]).drawImage(img, { x: 0, y: 0, width: 595, height: 446 });
  fs.writeFileSync(path.join(work, `photo-${seed}.pdf`), await photoDoc.save());
  jpegPhotos(work, seed, 2).forEach((bytes, i) => files.push({ name: `现场照片-${seed}-${i + 1}.jpg`, bytes: Buffer.concat([bytes.subarray(0, bytes.length - 2), randomBytes(16 * (i + 1)), bytes.subarray(bytes.length - 2)]) }));
  files.push({ name: `2019年点检记录扫描件-${seed}.pdf`, bytes: await scannedPdf(Math.max(1, Math.round(3 * scale)), seed) });
  const sum = () => files.reduce((n, f) => n + f.bytes.length, 0);
  const rest = Math.max(1024, totalMb * MB - sum());
  files.push({ name: `设备日志归档-${seed}.bin`, bytes: randomBytes(rest) });
  return { files, bytes: sum() };
}

/**
 * The same files made distinct for a round without making them again (pdf-lib,
 * exceljs and pngjs take tens of seconds for 20 MB on a busy machine), each
 * still a valid file of its kind: a comment after a PDF's end, a text chunk in
 * a PNG, a comment segment in a JPEG, the zip comment of a workbook; the
 * incompressible bytes are drawn again.
 */
export function varyAttachments(set: AttachmentSet, round: number): AttachmentSet {
  const mark = Buffer.from(`regula bench round ${round} ${randomBytes(8).toString("hex")}`, "latin1");
  const files = set.files.map(({ name, bytes }) => {
    const renamed = name.replace(/-\d+(-\d+)?\.(\w+)$/, (_m, n: string | undefined, ext: string) => `-${round}${n ?? ""}.${ext}`);
    const ext = path.extname(name).toLowerCase();
    let out: Buffer;
    if (ext === ".pdf") out = Buffer.concat([bytes, Buffer.from("\n% "), mark, Buffer.from("\n")]);
    else if (ext === ".png") {
      const len = Buffer.alloc(4);
      const body = Buffer.concat([Buffer.from("tEXt", "latin1"), Buffer.from("Comment\0", "latin1"), mark]);
      len.writeUInt32BE(body.length - 4);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(body));
      const iend = bytes.length - 12;
      out = Buffer.concat([bytes.subarray(0, iend), len, body, crc, bytes.subarray(iend)]);
    } else if (ext === ".jpg") {
      const seg = Buffer.alloc(4);
      seg.writeUInt16BE(0xfffe, 0);
      seg.writeUInt16BE(mark.length + 2, 2);
      out = Buffer.concat([bytes.subarray(0, 2), seg, mark, bytes.subarray(2)]);
    } else if (ext === ".xlsx") {
      // The end-of-central-directory record is the last 22 bytes (exceljs writes no comment); its comment is ours.
      out = Buffer.concat([bytes, mark]);
      out.writeUInt16LE(mark.length, bytes.length - 2);
    } else out = randomBytes(bytes.length);
    return { name: renamed, bytes: out };
  });
  return { files, bytes: files.reduce((n, f) => n + f.bytes.length, 0) };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The files are made once per size and kept in the temporary directory
 * (regula-bench-attachment-files-<MB>), since making them takes minutes on a busy machine.
 */
async function cachedAttachments(mb: number, work: string): Promise<AttachmentSet> {
  const dir = path.join(os.tmpdir(), `regula-bench-attachment-files-${mb}`);
  const list = path.join(dir, "files.json");
  if (fs.existsSync(list)) {
    const names = JSON.parse(fs.readFileSync(list, "utf8")) as string[];
    const files = names.map((name, i) => ({ name, bytes: fs.readFileSync(path.join(dir, String(i))) }));
    return { files, bytes: files.reduce((n, f) => n + f.bytes.length, 0) };
  }
  const set = await makeAttachments(mb, 1, work);
  fs.mkdirSync(dir, { recursive: true });
  set.files.forEach((f, i) => fs.writeFileSync(path.join(dir, String(i)), f.bytes));
  fs.writeFileSync(list, JSON.stringify(set.files.map((f) => f.name)));
  return set;
}

// ---- the portal's path ---------------------------------------------------------------

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(base: string, username: string): Promise<Session> {
  const cookies = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const i = pair.indexOf("=");
      cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const page = await fetch(`${base}/login`);
  keep(page);
  let csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? "";
  const res = await fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: base, Cookie: cookie() },
    body: new URLSearchParams({ username, password: "demo1234", redirectTo: "/", _csrf: csrf }),
  });
  keep(res);
  if (res.status !== 302) throw new Error(`Sign-in as ${username} failed: ${res.status}`);
  const home = await fetch(`${base}/proposals`, { headers: { Cookie: cookie() } });
  keep(home);
  csrf = /name="_csrf" value="([^"]+)"/.exec(await home.text())?.[1] ?? csrf;
  return { cookie: cookie(), csrf };
}

async function postJson(base: string, s: Session, p: string, body: unknown): Promise<any> {
  const res = await fetch(`${base}${p}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", Cookie: s.cookie, Origin: base, "X-CSRF-Token": s.csrf },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${p} answered ${res.status}: ${JSON.stringify(json).slice(0, 400)}`);
  return json;
}

async function upload(base: string, s: Session, id: string, file: { name: string; blob: Blob }) {
  const fd = new FormData();
  fd.set("_csrf", s.csrf);
  fd.set("file", file.blob, file.name);
  const res = await fetch(`${base}/proposals/${id}/attachments`, { method: "POST", body: fd, headers: { Cookie: s.cookie, Origin: base, Accept: "application/json" } });
  const json = (await res.json()) as { sha256?: string; error?: { message: string } };
  if (!res.ok) throw new Error(`upload of ${file.name} answered ${res.status}: ${json.error?.message}`);
  return json;
}

interface Round {
  totalMs: number;
  uploadMs: number;
  publishMs: number;
  cpuMs: number;
  backgroundCpuMs: number;
  stages: number;
}

async function backgroundIdle(base: string, pid: number, timeoutMs = 10 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let body: { search?: string; checks?: { ocr?: { queued?: number; current?: unknown } } } = {};
    try {
      const res = await fetch(`${base}/healthz`, { headers: { Authorization: `Bearer ${HEALTH_TOKEN}`, Connection: "close" } });
      body = (await res.json()) as typeof body;
    } catch (error) {
      // A poll may meet a kept-alive connection the server has just closed: ask again, unless the process is gone.
      if (!fs.existsSync(`/proc/${pid}`)) throw new Error(`The portal exited while reading attachment text: ${(error as Error).message}`);
    }
    const ocr = body.checks?.ocr;
    if (ocr && !ocr.queued && !ocr.current && body.search !== "catching-up") return;
    if (Date.now() > deadline) throw new Error("The attachment text queue did not empty");
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function portalRound(portal: BenchServer, sessions: (u: string) => Promise<Session>, set: AttachmentSet, round: number): Promise<Round> {
  const base = portal.url;
  const editor = await sessions("editor");
  // The files are in memory before the clock starts, as a browser has them once chosen.
  const blobs = set.files.map((f) => ({ name: f.name, blob: new Blob([new Uint8Array(f.bytes)]) }));
  const cpu0 = cpuMs(portal.pid);
  const started = performance.now();
  const created = await postJson(base, editor, "/api/v1/proposals", {
    kind: "new",
    category: "EXE",
    type: "manual",
    title: `叉车点检规程 ${round + 1}`,
    ownerDepartment: "ops",
    body: `# 叉车点检规程 ${round + 1}\n\n## 附件\n\n${set.files.map((f) => `- [${f.name}](attachments/${f.name})`).join("\n")}\n`,
    summary: "附点检表、手册、照片与扫描件",
  });
  const id = created.proposal.id as string;
  for (const f of blobs) await upload(base, editor, id, f);
  const uploaded = performance.now();
  let state = await postJson(base, editor, `/api/v1/proposals/${id}/submit`, {});
  let publishMs = 0;
  let stages = 0;
  while (state.proposal.status === "in-review") {
    const approver = state.proposal.stage.approvers[0] as string;
    const s = await sessions(approver);
    const t = performance.now();
    state = await postJson(base, s, `/api/v1/proposals/${id}/approve`, { password: "demo1234" });
    publishMs = performance.now() - t;
    stages++;
  }
  if (state.proposal.status !== "published") throw new Error(`proposal ${id} ended ${state.proposal.status}`);
  const totalMs = performance.now() - started;
  const cpu = cpuMs(portal.pid) - cpu0;
  const cpu1 = cpuMs(portal.pid);
  await backgroundIdle(base, portal.pid);
  return { totalMs, uploadMs: uploaded - started, publishMs, cpuMs: cpu, backgroundCpuMs: cpuMs(portal.pid) - cpu1, stages };
}

// ---- the reference: git add + git commit --------------------------------------------

/** CPU time of this process's waited-for children (Linux /proc: cutime + cstime), in ms. */
function childrenCpuMs(): number {
  const stat = fs.readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const hz = 100;
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / hz;
}

function gitRound(repo: string, set: AttachmentSet, round: number): { ms: number; cpuMs: number } {
  const dir = path.join(repo, "attachments", `EXE-${round}`);
  fs.mkdirSync(dir, { recursive: true });
  // The files are on disk before the clock starts: git is given them as a portal is given an upload.
  for (const f of set.files) fs.writeFileSync(path.join(dir, f.name), f.bytes);
  const git = (...args: string[]) => {
    const r = spawnSync("git", ["-C", repo, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  };
  const cpu0 = childrenCpuMs();
  const started = performance.now();
  git("add", "-A");
  git("commit", "-q", "-m", `EXE-${round}: publish`);
  return { ms: performance.now() - started, cpuMs: childrenCpuMs() - cpu0 };
}

// ---- the benchmark ---------------------------------------------------------------------

export interface AttachmentPublishResult {
  rounds: number;
  mb: number;
  files: number;
  total: { p50: number; p95: number };
  upload: { p50: number; p95: number };
  publish: { p50: number; p95: number };
  cpuPerPublication: number;
  backgroundCpu: number;
  git: { p50: number; p95: number; cpu: number };
  stages: number;
}

const p = (list: number[], q: number) => percentile([...list].sort((a, b) => a - b), q);
const median = (list: number[]) => p(list, 50);

/** Runs the rounds against a portal started on a fresh demo data directory; adds the rows. */
export async function benchAttachmentPublish(o: { root: string; buildDir: string; row: Row; log: (line: string) => void; rounds?: number; mb?: number }): Promise<AttachmentPublishResult> {
  const rounds = o.rounds ?? (Number(process.env.BENCH_ATTACH_ROUNDS) || 8);
  const mb = o.mb ?? (Number(process.env.BENCH_ATTACH_MB) || 20);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "regula-bench-attach-"));
  const repo = path.join(work, "git-reference");
  let portal: BenchServer | null = null;
  try {
    fs.mkdirSync(repo);
    execFileSync("git", ["init", "-q", repo]);
    execFileSync("git", ["-C", repo, "config", "user.name", "bench"]);
    execFileSync("git", ["-C", repo, "config", "user.email", "bench@regula.example"]);
    o.log(`Publishing ${rounds} versions with ${mb} MB of attachments each (portal over HTTP, git add + commit as the reference) …`);
    portal = await startPortal({
      root: o.root,
      buildDir: o.buildDir,
      dataDir: path.join(work, "data"),
      env: { TESSERACT: "off", HEALTH_TOKEN, REGULA_NO_SCHEDULER: "1", ATTACHMENT_VERSION_MAX_MB: String(Math.max(200, mb * 2)) },
    });
    const cache = new Map<string, Session>();
    const sessions = async (u: string) => {
      if (!cache.has(u)) cache.set(u, await signIn(portal!.url, u));
      return cache.get(u)!;
    };
    // One unmeasured round warms the server (first multipart parse, first commit of a folder, JIT).
    const made = Date.now();
    const files0 = await cachedAttachments(mb, work);
    o.log(`  made ${files0.files.length} files, ${(files0.bytes / MB).toFixed(1)} MB, in ${((Date.now() - made) / 1000).toFixed(1)} s`);
    const warm = varyAttachments(files0, 0);
    await portalRound(portal, sessions, warm, rounds);
    gitRound(repo, warm, rounds);
    const results: Round[] = [];
    const gits: { ms: number; cpuMs: number }[] = [];
    let files = 0;
    let bytes = 0;
    for (let i = 0; i < rounds; i++) {
      const set = varyAttachments(files0, i + 1);
      files = set.files.length;
      bytes = set.bytes;
      // Interleaved, alternating which goes first, so that other load falls on both alike.
      if (i % 2 === 0) {
        results.push(await portalRound(portal, sessions, set, i));
        gits.push(gitRound(repo, set, i));
      } else {
        gits.push(gitRound(repo, set, i));
        results.push(await portalRound(portal, sessions, set, i));
      }
      const r = results[results.length - 1];
      o.log(`  round ${i + 1}: portal ${ms(r.totalMs)} ms (uploads ${ms(r.uploadMs)}, publication ${ms(r.publishMs)}), CPU ${ms(r.cpuMs)} ms + ${ms(r.backgroundCpuMs)} ms in the background; git ${ms(gits[gits.length - 1].ms)} ms`);
    }
    const res: AttachmentPublishResult = {
      rounds,
      mb: bytes / MB,
      files,
      total: { p50: median(results.map((r) => r.totalMs)), p95: p(results.map((r) => r.totalMs), 95) },
      upload: { p50: median(results.map((r) => r.uploadMs)), p95: p(results.map((r) => r.uploadMs), 95) },
      publish: { p50: median(results.map((r) => r.publishMs)), p95: p(results.map((r) => r.publishMs), 95) },
      cpuPerPublication: median(results.map((r) => r.cpuMs)),
      backgroundCpu: median(results.map((r) => r.backgroundCpuMs)),
      git: { p50: median(gits.map((g) => g.ms)), p95: p(gits.map((g) => g.ms), 95), cpu: median(gits.map((g) => g.cpuMs)) },
      stages: results[0]?.stages ?? 0,
    };
    o.row(
      `publish a version with ${res.mb.toFixed(1)} MB of attachments (${res.files} files) over HTTP: uploads + submit + approval (${rounds} rounds)`,
      `p50 ${ms(res.total.p50)} ms, p95 ${ms(res.total.p95)} ms (uploads p95 ${ms(res.upload.p95)} ms, publishing approval p95 ${ms(res.publish.p95)} ms); ` +
        `git add + commit of the same files p50 ${ms(res.git.p50)} ms, p95 ${ms(res.git.p95)} ms (portal p50 ${(res.total.p50 / res.git.p50).toFixed(1)}× git); ` +
        `server CPU ${ms(res.cpuPerPublication)} ms per publication (git ${ms(res.git.cpu)} ms) + ${ms(res.backgroundCpu)} ms of text extraction afterwards`,
      "p95 < 2 s",
      res.total.p95 < 2000,
    );
    return res;
  } catch (error) {
    if (portal) (error as Error).message += `\n--- portal output (end) ---\n${portal.output().slice(-4000)}`;
    throw error;
  } finally {
    await portal?.stop();
    if (process.env.BENCH_KEEP !== "1") fs.rmSync(work, { recursive: true, force: true });
  }
}

function buildApp(log: (line: string) => void): { dir: string; temporary: boolean } {
  if (process.env.BENCH_BUILD_DIR) return { dir: path.resolve(process.env.BENCH_BUILD_DIR), temporary: false };
  const rel = path.join(".bench-build", String(process.pid), "build");
  log(`Building the app into ${rel} …`);
  const result = spawnSync(process.execPath, [path.join(ROOT, "node_modules/@remix-run/dev/dist/cli.js"), "vite:build"], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", REGULA_BUILD_DIR: rel },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`Build failed:\n${result.stdout}\n${result.stderr}`);
  return { dir: path.join(ROOT, rel), temporary: true };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const log = (line: string) => console.log(line);
  const lines: string[] = [];
  const build = buildApp(log);
  log(`Load average (1 min) at the start: ${os.loadavg()[0].toFixed(1)}`);
  benchAttachmentPublish({
    root: ROOT,
    buildDir: build.dir,
    log,
    row: (measure, result, target, ok) => lines.push(`${ok === null || ok === undefined ? " " : ok ? "✓" : "✗"} ${measure}: ${result}${target ? `  [target ${target}]` : ""}`),
  })
    .then(() => {
      console.log(lines.join("\n"));
      log(`Load average (1 min) at the end: ${os.loadavg()[0].toFixed(1)}`);
    })
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => {
      if (build.temporary) fs.rmSync(path.dirname(build.dir), { recursive: true, force: true });
    });
}
