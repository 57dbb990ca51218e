/**
 * The benchmark corpus: documents across the five categories, in Chinese and
 * English, with their whole version history written by native
 * `git fast-import` in the exact layout and commit format the portal's
 * publisher uses (documents/<CAT>/<NUMBER>.md, front matter, trailers), plus
 * a database with the demo accounts and thousands of generated users.
 * The portal then builds its own indexes from git when it first starts.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { serializeDocument, type DocumentMeta } from "~/documents/front-matter";
import { formatMessage } from "~/documents/repo.server";
import { hashPassword } from "~/org/password.server";
import { emptyData, type Data, type User } from "~/data/schema";

export interface CorpusOptions {
  dataDir: string;
  contentDir: string;
  documents: number;
  versions: number;
  users: number;
  seed?: number;
}

export interface CorpusInfo {
  documents: number;
  versions: number;
  users: number;
  /** The document with the most versions (history benchmark). */
  busiest: { number: string; versions: number };
  /** The ~100 KB Chinese document (diff benchmark). */
  large: { number: string; versions: number; bytes: number };
  /** Some current, internal documents to read. */
  readable: string[];
  generateMs: number;
  repoBytes: number;
}

const CATEGORIES = ["INI", "APR", "EXE", "MON", "ACC"];
const TYPES = ["policy", "manual", "procedure", "form", "guide", "record", "report"];

const ZH = (
  "审批 流程 文档 版本 控制 采购 合同 付款 报销 预算 质量 检验 整改 验收 监控 预警 记录 报告 规程 手册 制度 培训 新员工 入职 " +
  "安全 生产 设备 巡检 维护 保养 仓库 库存 盘点 供应商 评估 准入 考核 绩效 薪酬 考勤 信息 系统 权限 账号 备份 恢复 数据 保密 " +
  "档案 归档 客户 投诉 服务 订单 交付 物流 发票 税务 审计 内控 风险 应急 预案 演练 消防 环境 计量 校准 样品 测试 标准 偏差 " +
  "纠正 预防 措施 变更 通知 部门 负责人 签字 确认 提交 登记 复核 抽查 归口 管理"
).split(" ");
const EN = (
  "approval workflow procurement contract payment budget quality inspection rectification acceptance monitoring warning record " +
  "report procedure manual policy training onboarding safety equipment maintenance inventory supplier assessment performance " +
  "payroll attendance system access account backup recovery archive customer complaint service order delivery logistics " +
  "invoice audit control risk emergency drill calibration sample deviation corrective preventive change notice department " +
  "head signature review register check"
).split(" ");

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)];

function zhSentence(r: Rand): string {
  const n = 8 + Math.floor(r() * 14);
  let s = "";
  for (let i = 0; i < n; i++) {
    s += pick(r, ZH);
    if (r() < 0.15) s += "，";
  }
  return s + "。";
}

function enSentence(r: Rand): string {
  const n = 8 + Math.floor(r() * 12);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(pick(r, EN));
  const s = words.join(" ");
  return s[0].toUpperCase() + s.slice(1) + ".";
}

function paragraph(r: Rand, lang: "zh" | "en"): string {
  const n = 2 + Math.floor(r() * 4);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(lang === "zh" ? zhSentence(r) : enSentence(r));
  return out.join(lang === "zh" ? "" : " ");
}

interface DocState {
  meta: DocumentMeta;
  sections: { heading: string; paragraphs: string[] }[];
  version: number;
}

function newDocument(r: Rand, number: string, category: string, departments: string[], targetBytes: number, forceLang?: "zh" | "en"): DocState {
  const lang: "zh" | "en" = forceLang ?? (r() < 0.6 ? "zh" : "en");
  const conf = r();
  const title =
    lang === "zh"
      ? `${pick(r, ZH)}${pick(r, ZH)}${pick(r, ["管理制度", "操作规程", "流程手册", "检查记录", "工作报告"])}`
      : `${pick(r, EN)} ${pick(r, EN)} ${pick(r, ["policy", "procedure", "manual", "record", "report"])}`;
  const meta: DocumentMeta = {
    number,
    title: title.charAt(0).toUpperCase() + title.slice(1),
    category,
    type: pick(r, TYPES),
    ownerDepartment: pick(r, departments),
    confidentiality: conf < 0.93 ? "internal" : conf < 0.98 ? "department" : "restricted",
    audienceDepartments: [],
    retired: false,
    lang,
  };
  const sections: DocState["sections"] = [];
  let bytes = 0;
  for (let i = 1; bytes < targetBytes; i++) {
    const heading = lang === "zh" ? `第${i}节 ${pick(r, ZH)}${pick(r, ZH)}` : `${i}. ${pick(r, EN)} ${pick(r, EN)}`;
    const paragraphs: string[] = [];
    const n = 1 + Math.floor(r() * 3);
    for (let j = 0; j < n; j++) paragraphs.push(paragraph(r, lang));
    bytes += Buffer.byteLength(heading + paragraphs.join("\n\n"));
    sections.push({ heading, paragraphs });
  }
  return { meta, sections, version: 0 };
}

function revise(r: Rand, doc: DocState) {
  const lang = doc.meta.lang ?? "zh";
  const s = pick(r, doc.sections);
  const i = Math.floor(r() * s.paragraphs.length);
  const x = r();
  if (x < 0.6) s.paragraphs[i] = paragraph(r, lang);
  else if (x < 0.85) s.paragraphs.splice(i + 1, 0, paragraph(r, lang));
  else if (s.paragraphs.length > 1) s.paragraphs.splice(i, 1);
  else s.paragraphs.push(paragraph(r, lang));
}

function bodyOf(doc: DocState): string {
  return doc.sections.map((s) => `## ${s.heading}\n\n${s.paragraphs.join("\n\n")}`).join("\n\n");
}

function addMonths(date: string, months: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

/** Writes the repository through `git fast-import` and the database; returns what was made. */
export async function generateCorpus(options: CorpusOptions, progress: (line: string) => void = () => {}): Promise<CorpusInfo> {
  const started = Date.now();
  const r = rng(options.seed ?? 20240601);
  const demo = JSON.parse(fs.readFileSync(path.join(options.contentDir, "demo.json"), "utf8")) as {
    departments: { id: string; name: { "zh-CN": string; en: string } }[];
    users: { username: string; name: string; email: string; departmentId: string; roles: User["roles"]; head?: boolean; locale?: "zh-CN" | "en" }[];
  };
  const departments = demo.departments.map((d) => d.id);
  fs.mkdirSync(options.dataDir, { recursive: true });
  const repo = path.join(options.dataDir, "repo");
  await run("git", ["init", "--quiet", "--bare", repo]);
  await run("git", ["--git-dir", repo, "symbolic-ref", "HEAD", "refs/heads/main"]);

  const docs: DocState[] = [];
  const numbering: Record<string, number> = {};
  for (let i = 0; i < options.documents; i++) {
    const category = CATEGORIES[i % CATEGORIES.length];
    const seq = Math.floor(i / CATEGORIES.length) + 1;
    numbering[category] = seq;
    const number = `${category}-${String(seq).padStart(3, "0")}`;
    // The first EXE document is the large Chinese one (~100 KB) used for the diff benchmark.
    const large = category === "EXE" && seq === 1;
    const doc = newDocument(r, number, category, departments, large ? 100 * 1024 : 800 + Math.floor(r() * 3200), large ? "zh" : undefined);
    if (large) {
      doc.meta.confidentiality = "internal";
      doc.meta.title = "仓储与物流操作总手册";
    }
    docs.push(doc);
  }

  const child = spawn("git", ["-c", "pack.compression=1", "--git-dir", repo, "fast-import", "--quiet", "--done"], { stdio: ["pipe", "inherit", "inherit"] });
  const exited = new Promise<void>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import exited with ${code}`))));
  });
  const stdin = child.stdin!;
  const write = async (chunk: string | Buffer) => {
    if (!stdin.write(chunk)) await new Promise<void>((resolve) => stdin.once("drain", () => resolve()));
  };
  const data = async (content: string) => {
    const buf = Buffer.from(content, "utf8");
    await write(`data ${buf.length}\n`);
    await write(buf);
    await write("\n");
  };

  const start = Math.floor(Date.now() / 1000) - 5 * 365 * 86400;
  const end = Math.floor(Date.now() / 1000) - 86400;
  const step = (end - start) / Math.max(1, options.versions);
  const authors = demo.users.filter((u) => u.roles.includes("editor") || u.roles.includes("admin"));
  const approvers = demo.users.filter((u) => u.roles.includes("approver"));
  const largeDoc = docs.find((d) => d.meta.number === "EXE-001");
  const largeRevisions = Math.min(12, Math.max(2, Math.floor(options.versions / options.documents)));

  for (let n = 0; n < options.versions; n++) {
    let doc: DocState;
    if (n < docs.length) doc = docs[n];
    else if (largeDoc && largeDoc.version < largeRevisions && r() < 0.01) doc = largeDoc;
    else {
      // Skewed like real use: one revision in five goes to a "hot" 2% of documents (about ten
      // times the average number of versions), the rest spread evenly. The large document
      // keeps its own, smaller history.
      const hot = Math.max(1, Math.floor(docs.length / 50));
      do doc = r() < 0.2 ? docs[1 + Math.floor(r() * hot)] : docs[Math.floor(r() * docs.length)];
      while (doc === largeDoc && docs.length > 1);
    }
    const isNew = doc.version === 0;
    if (!isNew) revise(r, doc);
    doc.version++;
    const ts = Math.floor(start + n * step);
    const date = new Date(ts * 1000).toISOString().slice(0, 10);
    const meta: DocumentMeta = { ...doc.meta, effectiveDate: date, nextReviewDate: addMonths(date, 12) };
    const text = serializeDocument(meta, bodyOf(doc));
    const change = isNew ? "new" : r() < 0.2 ? "major" : "minor";
    const summary = isNew ? "首次发布" : change === "major" ? "重大修订：调整职责与流程" : pick(r, ["修订措辞", "更新附表", "Clarify responsibilities", "Update contact list", "调整审批时限"]);
    const author = pick(r, authors);
    const approver = pick(r, approvers);
    const trailers: [string, string][] = [
      ["Document", doc.meta.number],
      ["Version", String(doc.version)],
      ["Change", change],
      ["Approved-by", approver.username],
    ];
    const message = formatMessage(`${doc.meta.number} v${doc.version}: ${summary}`, "", trailers);
    const person = `${author.name} <${author.email}> ${ts} +0000`;
    await write(`commit refs/heads/main\nauthor ${person}\ncommitter ${person}\n`);
    await data(message);
    await write(`M 100644 inline documents/${doc.meta.category}/${doc.meta.number}.md\n`);
    await data(text);
    await write("\n");
    if ((n + 1) % 10_000 === 0) progress(`  ${n + 1} / ${options.versions} versions written`);
  }
  await write("done\n");
  stdin.end();
  await exited;

  // The database: departments, demo accounts and generated users sharing one password hash.
  const hash = await hashPassword("demo1234");
  const data0: Data = emptyData();
  const nowIso = new Date().toISOString();
  for (const d of demo.departments) data0.departments.push({ id: d.id, name: d.name, createdAt: nowIso });
  for (const u of demo.users) {
    const user: User = {
      id: randomUUID(),
      username: u.username,
      name: u.name,
      email: u.email,
      departmentId: u.departmentId,
      roles: u.roles,
      passwordHash: hash,
      locale: u.locale,
      active: true,
      createdAt: nowIso,
      startDate: "2020-01-01",
    };
    data0.users.push(user);
    const dept = data0.departments.find((d) => d.id === u.departmentId);
    if (u.head && dept && !dept.headUserId) dept.headUserId = user.id;
  }
  for (let i = 1; i <= options.users; i++) {
    data0.users.push({
      id: randomUUID(),
      username: `user${String(i).padStart(5, "0")}`,
      name: `员工${i}`,
      email: `user${i}@regula.example`,
      departmentId: departments[i % departments.length],
      roles: i % 50 === 0 ? ["staff", "editor"] : ["staff"],
      passwordHash: hash,
      active: true,
      createdAt: nowIso,
      startDate: "2021-01-01",
    });
  }
  data0.numbering = numbering;
  fs.writeFileSync(path.join(options.dataDir, "db.json"), JSON.stringify(data0));

  const busiest = docs.reduce((a, b) => (b.version > a.version ? b : a));
  const readable = docs.filter((d) => d.meta.confidentiality === "internal").map((d) => d.meta.number);
  return {
    documents: docs.length,
    versions: options.versions,
    users: data0.users.length,
    busiest: { number: busiest.meta.number, versions: busiest.version },
    large: { number: "EXE-001", versions: largeDoc?.version ?? 0, bytes: largeDoc ? Buffer.byteLength(bodyOf(largeDoc)) : 0 },
    readable,
    generateMs: Date.now() - started,
    repoBytes: dirSize(repo),
  };
}

export function dirSize(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += dirSize(p);
    else if (e.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}`))));
  });
}
