/**
 * Consolidation benchmarks, in process (no server): finding possible
 * duplicates among BENCH_DOCS (10,000) generated documents — every text
 * sketched, then grouped by title and shared text — and building the
 * consolidation view of three ~100 KB divergent copies of one manual
 * (tests/fixtures/manual-copies.ts): clauses aligned, differences marked word
 * by word (Intl.Segmenter for Chinese), the draft assembled.
 *
 * Run alone: npx tsx scripts/bench/consolidate.ts (BENCH_DOCS to change the corpus size).
 */
import { fileURLToPath } from "node:url";
import { buildView } from "~/consolidation/consolidations.server";
import { copyCandidate, copyGroups } from "~/consolidation/detect";
import { manualCopies } from "../../tests/fixtures/manual-copies";

type Row = (measure: string, result: string, target?: string, ok?: boolean | null) => void;

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

// Common Chinese characters (a contiguous slice of the CJK block is enough for distinct texts).
const CHARS = Array.from({ length: 3000 }, (_, i) => String.fromCodePoint(0x4e00 + ((i * 7) % 20000)));
const BOILERPLATE = "本文件由文控中心统一编号、发布和归档，未经批准不得复制或外传。";

/** `count` documents of ~1–3 KB; every 100th starts a group of three copies (two edited). */
export function duplicateCorpus(count: number, seed = 7): { title: string; text: string }[] {
  const r = rng(seed);
  const sentence = () => {
    let s = "";
    const n = 12 + Math.floor(r() * 20);
    for (let i = 0; i < n; i++) s += CHARS[Math.floor(r() * CHARS.length)];
    return `${s}，期限为${1 + Math.floor(r() * 30)}个工作日。`;
  };
  const docs: { title: string; text: string }[] = [];
  while (docs.length < count) {
    const title = `${CHARS[Math.floor(r() * 3000)]}${CHARS[Math.floor(r() * 3000)]}${CHARS[Math.floor(r() * 3000)]}管理办法 ${docs.length}`;
    const articles = Array.from({ length: 10 + Math.floor(r() * 20) }, (_, i) => `第${i + 1}条 ${sentence()}`);
    const text = `${BOILERPLATE}\n\n${articles.join("\n\n")}`;
    docs.push({ title, text });
    if (docs.length % 100 === 1 && docs.length + 2 <= count) {
      for (let c = 1; c <= 2; c++) {
        const edited = articles.map((a, i) => (i % 5 === c ? a.replace(/期限为\d+/, `期限为${40 + c}`) : a));
        docs.push({ title: `${title}（${2018 + c}版）`, text: `${BOILERPLATE}\n\n${edited.join("\n\n")}` });
      }
    }
  }
  return docs;
}

/** Adds the consolidation rows to a benchmark report. */
export async function benchConsolidation(row: Row, log: (line: string) => void, documents = 10_000): Promise<void> {
  log(`Consolidation: duplicate detection over ${documents} documents …`);
  const corpus = duplicateCorpus(documents);
  const bytes = corpus.reduce((n, d) => n + Buffer.byteLength(d.text), 0);
  const t0 = performance.now();
  const candidates = corpus.map((d) => copyCandidate(d.title, d.text));
  const t1 = performance.now();
  const groups = copyGroups(candidates);
  const t2 = performance.now();
  const planted = Math.floor((documents - 1) / 100) + (documents % 100 >= 3 || documents % 100 === 0 ? 1 : 0);
  const found = groups.filter((g) => g.members.length === 3).length;
  const total = (t2 - t0) / 1000;
  row(
    `duplicate detection, ${documents} documents (${(bytes / 1048576).toFixed(1)} MB)`,
    `${total.toFixed(1)} s (sketching ${((t1 - t0) / 1000).toFixed(1)} s, grouping ${((t2 - t1) / 1000).toFixed(2)} s); ${found} of ~${planted} planted groups found, ${groups.length} groups in all`,
    "< 30 s",
    total < 30,
  );

  log("Consolidation: the view of three ~100 KB copies …");
  const manual = manualCopies({ articles: 340, seed: 3 });
  const size = manual.copies.map((c) => Buffer.byteLength(c));
  buildView(manual.copies, {}); // warm-up: the first call compiles the segmenter's dictionaries
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < 7; i++) {
    const s = performance.now();
    const view = buildView(manual.copies, {});
    times.push(performance.now() - s);
    rows = view.rows.length;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  row(
    `consolidation view, 3 copies of ${size.map((b) => Math.round(b / 1024)).join("/")} KB (${rows} clauses aligned, word marks)`,
    `median ${median.toFixed(0)} ms, worst ${times[times.length - 1].toFixed(0)} ms`,
    "< 500 ms",
    median < 500,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const documents = Number(process.env.BENCH_DOCS ?? 10_000);
  await benchConsolidation(
    (m, r, t, ok) => console.log(`${ok === null || ok === undefined ? "·" : ok ? "✓" : "✗"} ${m}: ${r}${t ? `  (target ${t})` : ""}`),
    console.log,
    documents,
  );
}
