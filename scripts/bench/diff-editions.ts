/**
 * Diffs of regulation-sized editions: two generated editions of a ~200 KB law
 * (tests/fixtures/editions.ts: numbered articles under chapters and sections,
 * items, tables; the second edition inserts and removes articles so later ones
 * are renumbered, moves articles, rewords and rewrites paragraphs, edits
 * items and table cells) are published as two versions of one document of
 * the benchmark corpus, the portal is started, and measured over HTTP: the
 * formatted diff page, the diff API, the page's size, a fold loaded on demand
 * and the markdown source view.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { get, runSequential } from "./load";
import { startPortal } from "./server";

export interface DiffEditionsBench {
  root: string;
  buildDir: string;
  /** A data directory with a corpus in it (the portal must not be running on it). */
  dataDir: string;
  /** A current, internal document of the corpus to publish the editions as. */
  number: string;
  runTsx: (script: string, args: string[], env: Record<string, string>) => Promise<{ code: number; stdout: string; stderr: string }>;
  login: (base: string, username: string) => Promise<Record<string, string>>;
  row: (measure: string, result: string, target?: string, ok?: boolean | null) => void;
  log: (line: string) => void;
  /** Requests per measurement (default 30). */
  samples?: number;
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Publishes the two editions, starts the portal and adds the rows of the "diffs of regulation-sized editions" section. */
export async function benchDiffEditions(o: DiffEditionsBench): Promise<void> {
  const samples = o.samples ?? 30;
  o.log("Diffs of regulation-sized editions: publishing two generated editions …");
  const pub = await o.runTsx("scripts/bench/diff-editions-worker.ts", [o.number], { DATA_DIR: o.dataDir, REGULA_NO_SCHEDULER: "1", CONTENT_DIR: path.join(o.root, "content") });
  if (pub.code !== 0) throw new Error(`diff editions worker failed: ${pub.stderr.slice(-2000)}`);
  const info = JSON.parse(pub.stdout.trim().split("\n").pop()!) as { number: string; from: number; to: number; oldBytes: number; newBytes: number };
  const portal = await startPortal({ root: o.root, buildDir: o.buildDir, dataDir: o.dataDir, waitForSearch: false });
  try {
    const staff = await o.login(portal.url, "staff");
    const range = `from=${info.from}&to=${info.to}`;
    const pagePath = `/docs/${info.number}/diff?${range}`;
    const apiPath = `/api/v1/documents/${info.number}/diff?${range}`;

    const agent = new http.Agent({ keepAlive: true });
    const first = await get(agent, new URL(pagePath, portal.url), staff);
    if (first.status !== 200) throw new Error(`${pagePath} answered ${first.status}`);
    const api = await get(agent, new URL(apiPath, portal.url), staff);
    const apiBody = JSON.parse(api.body) as { diff: { tooLarge: boolean; stats?: { added: number; removed: number; changed: number } }; changes: { summary: { counts: Record<string, number> } } };
    const stats = apiBody.diff.stats ?? { added: 0, removed: 0, changed: 0 };
    const changedLines = stats.added + stats.removed + 2 * stats.changed;
    const counts = apiBody.changes.summary.counts;
    const folds = [...first.body.matchAll(/data-fold|id="fd-f(\d+)"/g)].map((m) => Number(m[1])).filter((n) => Number.isFinite(n));
    const foldPath = `/docs/${info.number}/diff-fold?${range}&fold=${folds[Math.floor(folds.length / 2)] ?? 0}`;
    const source = await get(agent, new URL(`${pagePath}&view=split`, portal.url), staff);
    agent.destroy();

    const shape = `${Math.round(info.oldBytes / 1024)} KB → ${Math.round(info.newBytes / 1024)} KB, ${changedLines} changed lines; articles ${counts.added} added, ${counts.removed} removed, ${counts.changed} changed, ${counts.moved} moved, ${counts.renumbered} renumbered`;
    o.row("editions compared (generated law, two versions)", shape);

    const page = await runSequential(portal.url, [pagePath], staff, samples);
    o.row("formatted diff page (default view)", `p50 ${ms(page.p50)} ms, p95 ${ms(page.p95)} ms`, "p95 < 300 ms", page.p95 < 300);
    const apiRun = await runSequential(portal.url, [apiPath], staff, samples);
    o.row("diff API (source lines + block changes, JSON)", `p50 ${ms(apiRun.p50)} ms, p95 ${ms(apiRun.p95)} ms`, "p95 < 150 ms", apiRun.p95 < 150);
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
    o.row(
      "formatted diff page size",
      `${kb(Buffer.byteLength(first.body))} (${kb(gzipSync(first.body).length)} gzip), ${folds.length} folds`,
      "< 400 KB",
      Buffer.byteLength(first.body) < 400 * 1024,
    );
    const fold = await runSequential(portal.url, [foldPath], staff, samples);
    o.row("one fold loaded on demand (JSON)", `p50 ${ms(fold.p50)} ms, p95 ${ms(fold.p95)} ms`);
    const sourceRun = await runSequential(portal.url, [`${pagePath}&view=split`], staff, Math.max(5, Math.floor(samples / 3)));
    o.row("markdown source diff page (side by side)", `p50 ${ms(sourceRun.p50)} ms, p95 ${ms(sourceRun.p95)} ms, ${kb(Buffer.byteLength(source.body))}`);
    fs.writeFileSync(path.join(o.dataDir, "..", "diff-editions-page.html"), first.body);
  } finally {
    await portal.stop();
  }
}
