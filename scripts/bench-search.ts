/**
 * Search latency of the embedded engine on synthetic documents (10,000 by
 * default): builds them into an in-memory index, then runs Chinese fragment,
 * Traditional, English prefix and typo, phrase and mixed queries as a reader
 * of one department (so the permission filter and the title-only search for
 * other documents both run), and reports p50/p95.
 *
 * `benchSearch()` is exported for the benchmark suite; run this file alone
 * with `npx tsx scripts/bench-search.ts [documents]`.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { pathToFileURL } from "node:url";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { percentile, slowestQueries, summarize, timeCall, timeQueries } from "./bench/query-timing";
import { asSearchDoc, regulationDocuments, type CorpusShape } from "./bench/regulations";
import type { SearchDoc } from "~/search/engine.server";

export interface SearchBenchResult {
  documents: number;
  buildMs: number;
  queries: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** CPU time of this process per query (less sensitive to other load on the machine). */
  cpuP50Ms: number;
  cpuP95Ms: number;
  heapMB: number;
}

const CHINESE_WORDS = (
  "审批 流程 文档 版本 控制 失效 处理 待处理 采购 合同 付款 报销 预算 质量 检验 整改 验收 监控 预警 记录 报告 规程 手册 制度 " +
  "培训 新员工 入职 安全 生产 设备 巡检 维护 保养 仓库 库存 盘点 供应商 评估 准入 考核 绩效 薪酬 考勤 请假 加班 出差 差旅 " +
  "信息 系统 权限 账号 密码 备份 恢复 数据 保密 档案 归档 借阅 销毁 客户 投诉 回访 服务 订单 交付 物流 运输 包装 标签 " +
  "财务 发票 税务 审计 内控 风险 应急 预案 演练 消防 环境 排放 能耗 计量 校准 样品 测试 标准 偏差 纠正 预防 措施 变更 通知"
).split(" ");
const TRADITIONAL_WORDS = "審批 處理 檔案 預算 質量 報銷 稽核 權限 歸檔 變更 通知 設備 風險 應急".split(" ");
const ENGLISH_WORDS = (
  "approval workflow procurement contract payment budget quality inspection rectification acceptance monitoring warning " +
  "record report procedure manual policy training onboarding safety equipment maintenance inventory supplier assessment " +
  "performance payroll attendance travel expense system access account password backup recovery confidential archive " +
  "customer complaint service order delivery logistics invoice audit internal control risk emergency drill calibration"
).split(" ");

/** A small deterministic random generator (same documents on every run). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function pick<T>(r: () => number, list: T[]): T {
  return list[Math.floor(r() * list.length)];
}

function paragraph(r: () => number): string {
  const parts: string[] = [];
  const n = 18 + Math.floor(r() * 20);
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.7) parts.push(pick(r, CHINESE_WORDS));
    else if (x < 0.78) parts.push(pick(r, TRADITIONAL_WORDS));
    else parts.push(` ${pick(r, ENGLISH_WORDS)} `);
    if (r() < 0.12) parts.push("，");
  }
  return parts.join("") + "。";
}

export function syntheticDocuments(count: number, seed = 42) {
  const r = rng(seed);
  const categories = ["INI", "APR", "EXE", "MON", "ACC"];
  const departments = ["ops", "qa", "hr", "fin", "it", "proc"];
  const types = ["policy", "manual", "procedure", "form", "record", "report"];
  const docs = [];
  for (let i = 1; i <= count; i++) {
    const category = categories[i % categories.length];
    const c = r();
    docs.push({
      number: `${category}-${String(i).padStart(5, "0")}`,
      title: `${pick(r, CHINESE_WORDS)}${pick(r, CHINESE_WORDS)}${pick(r, ["规程", "手册", "制度", "记录", "报告"])} ${pick(r, ENGLISH_WORDS)}`,
      category,
      type: pick(r, types),
      ownerDepartment: pick(r, departments),
      audienceDepartments: r() < 0.2 ? [pick(r, departments)] : [],
      confidentiality: (c < 0.8 ? "internal" : c < 0.95 ? "department" : "restricted") as "internal" | "department" | "restricted",
      version: 1 + Math.floor(r() * 5),
      effectiveDate: "2024-01-01",
      retired: r() < 0.03,
      text: `${paragraph(r)}\n\n${paragraph(r)}\n\n${paragraph(r)}`,
      blob: `synthetic-${i}`,
    });
  }
  return docs;
}

const QUERIES = [
  "处理", "理待", "版本控制", "审批流程", "供应商评估", "審批", "處理", "應急預案", "备份恢复", "数据保密",
  "approval", "procure", "proc", "inspecton", "maintenence", "supplier assessment", '"approval workflow"', "「质量检验」",
  "budget 预算", "audit 内控", "risk 风险评估", "标签", "出差 travel", "calibration 计量", "入职培训",
];

/** Builds `documents` synthetic documents into the embedded engine and measures query latency. */
export async function benchSearch(options: { documents?: number; rounds?: number } = {}): Promise<SearchBenchResult> {
  const documents = options.documents ?? 10_000;
  const rounds = options.rounds ?? 8;
  // The read policy consults the database (grants): give it an empty one of its own.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-bench-search-"));
  const previousDataDir = process.env.DATA_DIR;
  process.env.DATA_DIR = dataDir;
  const { resetEnvForTests } = await import("~/utils/env.server");
  try {
    resetEnvForTests();
    const { loadDb } = await import("~/data/db.server");
    await loadDb();
    const { EmbeddedEngine } = await import("~/search/embedded.server");
    const engine = new EmbeddedEngine({ file: null });
    const docs = syntheticDocuments(documents);
    const started = performance.now();
    await engine.rebuild(docs);
    const buildMs = performance.now() - started;
    const reader = { id: "bench-reader", roles: ["staff" as const], departmentId: "ops" };
    for (const q of QUERIES) await engine.search(q, { reader }); // warm up
    const [timings] = await timeQueries(QUERIES, rounds, [(q, round) => engine.search(q, { reader, page: 1 + (round % 2), pageSize: 20 })]);
    return {
      documents,
      buildMs: Math.round(buildMs),
      ...summarize(timings),
      heapMB: Math.round(process.memoryUsage().heapUsed / 1024 / 1024),
    };
  } finally {
    // Leave the caller's environment as it was (the benchmark suite runs this in its own process).
    if (previousDataDir === undefined) delete process.env.DATA_DIR;
    else process.env.DATA_DIR = previousDataDir;
    resetEnvForTests();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---- regulation-shaped text ---------------------------------------------------------

/** Queries people type against regulations and handbooks: several terms, common legal words, synonyms, typos. */
export const REALISTIC_QUERIES = [
  "应当", "依照本法 罚款", "个人信息 出境", "加班 工资", "商业秘密", "会计 档案 保管", "责令改正", "县级以上人民政府 监督管理",
  "违反本法规定 罚款", "安全生产 责任制", "招标 投标 保证金", "数据 出境 安全评估", "消防 安全 检查", "环境影响评价", "合同 违约责任",
  "礼品 招待 登记", "劳动者 休息休假", "商业银行 存款 利率", "第十条", "第一章 总则", "情节严重的 依法追究刑事责任", "用人单位 劳动报酬",
  "个人信息处理者 单独同意", "保管期限 会计凭证", "隐患排查 治理", "评标委员会 专家", "重要数据 风险评估", "疏散通道 安全出口", "排污许可 监测",
  "利益冲突 申报", "access control", "overtime approval", "anti-bribry", "expense claim receipt", "risk assessment fire drill",
  "retention period archive", "security incident report", "multi-factor authentication", "business travel per diem",
  "working hours overtime compensation", "gifts hospitality register", "legal hold disposal", "phishing training",
];

export interface RealisticSearchBenchResult extends SearchBenchResult {
  shape: CorpusShape;
  /** UTF-8 megabytes of plain text indexed. */
  textMB: number;
  /** Indexing throughput over the plain text, by the clock and by this process's CPU time. */
  indexMBps: number;
  indexCpuMBps: number;
  /** Whether the corpus came from the cache of an earlier run. */
  cached: boolean;
  /** The slowest queries by median CPU time (ms). */
  slowest: { q: string; cpuMs: number }[];
  /** Each query the first time it is asked (nothing kept from an earlier query): CPU p50/p95. */
  firstCpuP50Ms: number;
  firstCpuP95Ms: number;
  /** The longest the event loop waited for one slice of indexing while the corpus was indexed (ms, by the clock). */
  longestSliceMs: number;
  /** The event loop's delay while the corpus was indexed (a histogram sampled every 10 ms, as a timer such as a /healthz answer sees it), ms. */
  loopDelay: LoopDelay;
  /** The engine's saved file: its size, and the event loop's delay while it is written (as after a change) and read (as at start). */
  indexFile: { MB: number; save: LoopDelay; load: LoopDelay };
  /** The same queries by a linear scan of the folded texts (every document read for every query), CPU per query. */
  scan: { cpuP50Ms: number; cpuP95Ms: number; queries: number };
}

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Probes (one every 10 ms, as a monitor polling /healthz) that started more than 50 ms late. */
  over50: number;
  samples: number;
}

/** Watches the event loop until `stop`: a delay histogram sampled every 10 ms and a 10-ms probe. */
function watchEventLoop(): { stop: () => LoopDelay } {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  let probes = 0;
  let lateProbes = 0;
  let expected = performance.now() + 10;
  const probe = setInterval(() => {
    const now = performance.now();
    probes++;
    if (now - expected > 50) lateProbes++;
    expected = now + 10;
  }, 10);
  delay.enable();
  return {
    stop: () => {
      delay.disable();
      clearInterval(probe);
      return {
        p50Ms: Math.round(delay.percentile(50) / 1e4) / 100,
        p99Ms: Math.round(delay.percentile(99) / 1e4) / 100,
        maxMs: Math.round(delay.max / 1e4) / 100,
        over50: lateProbes,
        samples: probes,
      };
    },
  };
}

/** Where a corpus of this shape is kept between runs (generated once, reused). */
export function corpusCacheFile(shape: CorpusShape): string {
  const key = createHash("sha256").update(JSON.stringify(shape)).digest("hex").slice(0, 12);
  return path.join(os.tmpdir(), `regula-bench-regulations-${key}.ndjson`);
}

/** The corpus's search documents, from the cache or generated (and cached) now. */
export async function loadRegulationCorpus(shape: CorpusShape, log: (line: string) => void = () => {}): Promise<{ docs: SearchDoc[]; cached: boolean }> {
  const file = corpusCacheFile(shape);
  if (fs.existsSync(file)) {
    const docs: SearchDoc[] = [];
    const lines = readline.createInterface({ input: fs.createReadStream(file, "utf8"), crlfDelay: Infinity });
    for await (const line of lines) if (line) docs.push(JSON.parse(line) as SearchDoc);
    if (docs.length === shape.documents) return { docs, cached: true };
  }
  log(`generating ${shape.documents} documents of ${shape.minKB}–${shape.maxKB} KB into ${file} …`);
  const tmp = `${file}.${process.pid}.tmp`;
  const out = fs.createWriteStream(tmp, "utf8");
  const docs: SearchDoc[] = [];
  for (const doc of regulationDocuments(shape)) {
    const entry = asSearchDoc(doc);
    docs.push(entry);
    if (!out.write(JSON.stringify(entry) + "\n")) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  fs.renameSync(tmp, file);
  return { docs, cached: false };
}

/**
 * Indexes a regulation-shaped corpus (default 10,000 documents of 5–60 KB,
 * a quarter English handbooks) into the embedded engine one document at a time,
 * as a catch-up does, and measures throughput; then runs REALISTIC_QUERIES as
 * a reader of one department and reports p50/p95.
 */
export async function benchRegulationSearch(
  options: { shape?: Partial<CorpusShape>; rounds?: number; log?: (line: string) => void } = {},
): Promise<RealisticSearchBenchResult> {
  const shape: CorpusShape = { documents: 10_000, minKB: 5, maxKB: 60, englishShare: 0.25, seed: 2026, ...options.shape };
  const rounds = options.rounds ?? 6;
  const log = options.log ?? (() => {});
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-bench-search-"));
  const previousDataDir = process.env.DATA_DIR;
  process.env.DATA_DIR = dataDir;
  const { resetEnvForTests } = await import("~/utils/env.server");
  try {
    resetEnvForTests();
    const { loadDb } = await import("~/data/db.server");
    await loadDb();
    const { EmbeddedEngine } = await import("~/search/embedded.server");
    const { DEFAULT_SYNONYMS } = await import("~/search/synonyms.server");
    let { docs, cached } = await loadRegulationCorpus(shape, log);
    const textBytes = docs.reduce((sum, d) => sum + Buffer.byteLength(d.text), 0);
    const indexFile = path.join(dataDir, "search", "embedded.json");
    const engine = new EmbeddedEngine({ file: indexFile });
    await engine.setSynonyms(DEFAULT_SYNONYMS);
    log(`indexing ${(textBytes / 1e6).toFixed(0)} MB of text …`);
    // What a /healthz request waits for at worst: the longest stretch between two turns of the event loop.
    let longestSliceMs = 0;
    let lastTurn = -1;
    let indexing = true;
    const turn = () => {
      if (!indexing) return; // the queries that follow never yield: their time is not an indexing slice
      const now = performance.now();
      if (lastTurn >= 0) longestSliceMs = Math.max(longestSliceMs, now - lastTurn);
      lastTurn = now;
      setImmediate(turn);
    };
    setImmediate(turn);
    const watch = watchEventLoop();
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    for (const doc of docs) {
      await engine.indexDocument(doc);
      await new Promise((resolve) => setImmediate(resolve)); // as the catch-up does between documents
    }
    const buildMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuStarted);
    indexing = false;
    const loopDelay = watch.stop();
    // The index file: saved (as after a publication; before the queries, so that no save runs among
    // them) and read back into another engine (as at start), with the event loop watched.
    log("saving the index file and reading it back …");
    await engine.setHead("bench"); // what the indexer does once it is level with the repository: a save follows
    const saveWatch = watchEventLoop();
    await engine.flush();
    const saveDelay = saveWatch.stop();
    const loadWatch = watchEventLoop();
    if (!(await new EmbeddedEngine({ file: indexFile }).open())) throw new Error("the saved index could not be read back");
    const loadDelay = loadWatch.stop();
    const fileMB = Math.round(fs.statSync(indexFile).size / 1e6);
    const reader = { id: "bench-reader", roles: ["staff" as const], departmentId: "ops" };
    // The first time each query is asked, then the measured rounds.
    const first: number[] = [];
    for (const q of REALISTIC_QUERIES) first.push((await timeCall(() => engine.search(q, { reader }))).cpuMs);
    first.sort((a, b) => a - b);
    const [timings] = await timeQueries(REALISTIC_QUERIES, rounds, [(q, round) => engine.search(q, { reader, page: 1 + (round % 2), pageSize: 20 })]);
    // Reference: the same queries answered by reading every document's folded text.
    log("the same queries by a linear scan of every document …");
    const { fold, parseQuery, minimumGroups } = await import("~/search/tokenize");
    const texts = docs.map((d) => fold(`${d.number} ${d.title}\n${d.text}`));
    docs = []; // the engine keeps what it needs
    const synonyms = (await import("~/search/tokenize")).synonymMap(DEFAULT_SYNONYMS);
    const scanOnce = (q: string) => {
      const parsed = parseQuery(q, synonyms);
      const need = minimumGroups(parsed.groups.length);
      const needles = parsed.groups.map((g) => g.alternatives.map((a) => (a.text.startsWith('"') ? a.text.slice(1, -1) : a.text)));
      let found = 0;
      for (const text of texts) {
        let groups = 0;
        for (const alternatives of needles) if (alternatives.some((n) => text.includes(n))) groups++;
        if (groups >= need) found++;
      }
      return found;
    };
    const [scan] = await timeQueries(REALISTIC_QUERIES, 1, [scanOnce]);
    const scanSummary = summarize(scan);
    const mb = textBytes / 1e6;
    const round2 = (n: number) => Math.round(n * 100) / 100;
    return {
      shape,
      documents: shape.documents,
      textMB: Math.round(mb),
      buildMs: Math.round(buildMs),
      indexMBps: round2(mb / (buildMs / 1000)),
      indexCpuMBps: round2(mb / ((cpu.user + cpu.system) / 1e6)),
      cached,
      slowest: slowestQueries(timings),
      ...summarize(timings),
      firstCpuP50Ms: round2(percentile(first, 50)),
      firstCpuP95Ms: round2(percentile(first, 95)),
      longestSliceMs: round2(longestSliceMs),
      loopDelay,
      indexFile: { MB: fileMB, save: saveDelay, load: loadDelay },
      scan: { cpuP50Ms: scanSummary.cpuP50Ms, cpuP95Ms: scanSummary.cpuP95Ms, queries: scanSummary.queries },
      heapMB: Math.round(process.memoryUsage().heapUsed / 1024 / 1024),
    };
  } finally {
    if (previousDataDir === undefined) delete process.env.DATA_DIR;
    else process.env.DATA_DIR = previousDataDir;
    resetEnvForTests();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  // npx tsx scripts/bench-search.ts [documents]            synthetic short documents
  // npx tsx scripts/bench-search.ts --regulations [documents] [minKB] [maxKB]   regulation-shaped text
  const args = process.argv.slice(2);
  if (args[0] === "--regulations") {
    const [documents, minKB, maxKB] = args.slice(1).map(Number);
    benchRegulationSearch({
      shape: { ...(documents ? { documents } : {}), ...(minKB ? { minKB } : {}), ...(maxKB ? { maxKB } : {}) },
      log: (line) => console.log(line),
    })
      .then((r) => {
        console.log(
          `search on regulation-shaped text (embedded, ${r.documents} documents of ${r.shape.minKB}–${r.shape.maxKB} KB, ${r.textMB} MB of text${r.cached ? ", cached corpus" : ""}): ` +
            `indexed in ${(r.buildMs / 1000).toFixed(1)} s = ${r.indexMBps} MB/s (CPU ${r.indexCpuMBps} MB/s); ` +
            `${r.queries} queries p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, max ${r.maxMs} ms (CPU p50 ${r.cpuP50Ms} ms, p95 ${r.cpuP95Ms} ms); ` +
            `first time asked CPU p50 ${r.firstCpuP50Ms} ms, p95 ${r.firstCpuP95Ms} ms; linear scan CPU p50 ${r.scan.cpuP50Ms} ms, p95 ${r.scan.cpuP95Ms} ms ` +
            `(${(r.scan.cpuP95Ms / Math.max(0.01, r.cpuP95Ms)).toFixed(0)}× the engine's p95); longest indexing slice ${r.longestSliceMs} ms; event-loop delay while indexing p50 ${r.loopDelay.p50Ms} ms, p99 ${r.loopDelay.p99Ms} ms, max ${r.loopDelay.maxMs} ms, ${r.loopDelay.over50} of ${r.loopDelay.samples} 10-ms probes late by > 50 ms; ` +
            `index file ${r.indexFile.MB} MB: event loop max ${r.indexFile.save.maxMs} ms while saved, ${r.indexFile.load.maxMs} ms while read; heap ${r.heapMB} MB; ` +
            `load average ${os.loadavg()[0].toFixed(1)}\nslowest (CPU ms): ${r.slowest.map((x) => `${x.q} ${x.cpuMs}`).join("; ")}`,
        );
      })
      .catch((error) => {
        console.error(`bench-search: ${(error as Error).stack ?? error}`);
        process.exit(1);
      });
  } else {
    const documents = Number(args[0] ?? 10_000);
    benchSearch({ documents })
      .then((r) => {
        console.log(
          `search (embedded, ${r.documents} documents): build ${r.buildMs} ms; ${r.queries} queries p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, max ${r.maxMs} ms ` +
            `(CPU p50 ${r.cpuP50Ms} ms, p95 ${r.cpuP95Ms} ms); heap ${r.heapMB} MB`,
        );
      })
      .catch((error) => {
        console.error(`bench-search: ${(error as Error).message}`);
        process.exit(1);
      });
  }
}
