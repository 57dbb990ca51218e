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
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

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

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

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
    const times: number[] = [];
    const cpu: number[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const q of QUERIES) {
        const t = performance.now();
        const c = process.cpuUsage();
        await engine.search(q, { reader, page: 1 + (round % 2), pageSize: 20 });
        const used = process.cpuUsage(c);
        times.push(performance.now() - t);
        cpu.push((used.user + used.system) / 1000);
      }
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    const round2 = (n: number) => Math.round(n * 100) / 100;
    return {
      documents,
      buildMs: Math.round(buildMs),
      queries: times.length,
      p50Ms: round2(percentile(times, 50)),
      p95Ms: round2(percentile(times, 95)),
      maxMs: round2(times[times.length - 1]),
      cpuP50Ms: round2(percentile(cpu, 50)),
      cpuP95Ms: round2(percentile(cpu, 95)),
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

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const documents = Number(process.argv[2] ?? 10_000);
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
