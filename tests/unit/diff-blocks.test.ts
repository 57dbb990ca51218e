import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { FormattedDiffView } from "../../app/components/diff-view";
import { blockChanges, compareBlocks, formattedDiff, formattedDiffFold, parseNumeral, splitBlocks, type FormattedDiff, type FormattedItem, type Op } from "../../app/documents/diff-blocks.server";
import { diffTexts, type DiffRow } from "../../app/documents/diff.server";
import { translator } from "../../app/i18n/i18n";
import { chineseNumeral, handbookEditions, lawEditions } from "../fixtures/editions";

const ok = (d: FormattedDiff) => {
  if (d.tooLarge) throw new Error(d.reason);
  return d;
};
const blocksOf = (d: FormattedDiff) => ok(d).items.filter((i): i is Exclude<FormattedItem, { kind: "fold" }> => i.kind !== "fold");
const kinds = (ops: Op[]) => ops.map((o) => o.kind);
const textOf = (html: string) => html.replace(/<[^>]+>/g, "");

/** A law of `n` articles; `body(i)` gives article i's text (1-based). */
function law(n: number, body: (i: number) => string, extra: (i: number) => string[] = () => []): string {
  const out = ["# 示范条例", ""];
  for (let i = 1; i <= n; i++) out.push(`第${chineseNumeral(i)}条　${body(i)}`, "", ...extra(i).flatMap((p) => [p, ""]));
  return out.join("\n");
}
const ARTICLE_TEXT = [
  "为了规范公司的组织和行为，保护公司、股东和债权人的合法权益，制定本条例。",
  "公司应当依法制定章程，章程对公司、股东、董事、监事、高级管理人员具有约束力。",
  "董事会应当在会议召开十五日前通知全体董事，并保存会议记录。",
  "监事会可以要求董事、高级管理人员提交执行职务的报告。",
  "公司合并时，应当自作出合并决议之日起十日内通知债权人。",
  "清算组在清算期间不得开展与清算无关的经营活动。",
  "公司应当在每一会计年度终了时编制财务会计报告，并依法经会计师事务所审计。",
  "股东会会议由董事会召集，董事长主持；董事长不能履行职务的，由副董事长主持。",
];

describe("splitBlocks", () => {
  it("cuts a regulation into headings, articles, items and tables, grouped into articles", () => {
    const { blocks, units } = splitBlocks(
      ["## 第一章　总则", "", "第一条　目的。", "", "第二条　董事会行使下列职权：", "", "（一）召集股东会；", "", "（二）执行决议。", "", "| 项目 | 金额 |", "|---|---|", "| 差旅 | 100 |", "", "- 一项", "- 二项"].join("\n"),
    );
    expect(blocks.map((b) => b.kind)).toEqual(["heading", "paragraph", "paragraph", "paragraph", "paragraph", "table", "item", "item"]);
    expect(units.map((u) => u.label)).toEqual(["第一章　总则", "第一条", "第二条"]);
    expect(blocks[3].label).toBe("（一）");
    expect(blocks[3].unit).toBe(2);
    expect(blocks[5].table?.rows).toEqual([["差旅", "100"]]);
    // Numbering is not part of what blocks are matched on.
    expect(blocks[1].key).toBe("p:目的。");
    expect(blocks[3].key).toBe("p:召集股东会；");
  });

  it("reads Chinese numerals", () => {
    expect([1, 10, 11, 20, 43, 100, 105, 110, 240].map((n) => parseNumeral(chineseNumeral(n)))).toEqual([1, 10, 11, 20, 43, 100, 105, 110, 240]);
  });
});

describe("compareBlocks: pairing by similarity, not position", () => {
  it("a reworded paragraph is changed, with the changed Chinese words marked", () => {
    const c = compareBlocks(law(3, (i) => ARTICLE_TEXT[i]), law(3, (i) => (i === 2 ? ARTICLE_TEXT[i].replace("十五日", "二十日") : ARTICLE_TEXT[i])));
    const changed = c.ops.filter((o) => o.kind === "changed");
    expect(changed).toHaveLength(1);
    const merged = changed[0].words!.merged;
    expect(merged.filter((s) => s.kind === "del").map((s) => s.text).join("")).toContain("十五");
    expect(merged.filter((s) => s.kind === "add").map((s) => s.text).join("")).toContain("二十");
    expect(merged.filter((s) => s.kind === "same").map((s) => s.text).join("")).toContain("通知全体董事");
  });

  it("a paragraph rewritten with other words is a deletion and an insertion, not confetti", () => {
    const c = compareBlocks(law(3, (i) => ARTICLE_TEXT[i]), law(3, (i) => (i === 2 ? ARTICLE_TEXT[6] : ARTICLE_TEXT[i])));
    expect(kinds(c.ops).filter((k) => k !== "same")).toEqual(["del", "add"]);
  });

  it("pairs each changed block with its most similar counterpart, even out of position", () => {
    // Two paragraphs of article 2: the first removed, the second reworded. By position the
    // reworded one would be compared with the removed one.
    const old = law(3, (i) => ARTICLE_TEXT[i], (i) => (i === 2 ? [ARTICLE_TEXT[4], ARTICLE_TEXT[5]] : []));
    const neu = law(3, (i) => ARTICLE_TEXT[i], (i) => (i === 2 ? [ARTICLE_TEXT[5].replace("不得", "不应")] : []));
    const c = compareBlocks(old, neu);
    const changed = c.ops.filter((o) => o.kind === "changed");
    expect(changed).toHaveLength(1);
    expect(c.old[changed[0].a!].raw).toBe(ARTICLE_TEXT[5]);
    expect(c.ops.filter((o) => o.kind === "del").map((o) => c.old[o.a!].raw)).toEqual([ARTICLE_TEXT[4]]);
  });
});

describe("compareBlocks: renumbering", () => {
  it("an inserted article renumbers the following ones, which are renumbered, not rewritten", () => {
    const old = law(6, (i) => ARTICLE_TEXT[i]);
    const neu = law(7, (i) => (i < 3 ? ARTICLE_TEXT[i] : i === 3 ? "新增条款：公司应当建立健全合规管理制度。" : ARTICLE_TEXT[i - 1]));
    const c = compareBlocks(old, neu);
    expect(kinds(c.ops)).toEqual(["same", "same", "same", "add", "renum", "renum", "renum", "renum"]);
    const renum = c.ops.find((o) => o.kind === "renum")!;
    expect([c.old[renum.a!].label, c.new[renum.b!].label]).toEqual(["第三条", "第四条"]);
    const d = ok(formattedDiff(old, neu));
    expect(d.summary.counts).toEqual({ added: 1, removed: 0, changed: 0, moved: 0, renumbered: 4 });
    // Consecutive renumberings read as one range.
    expect(d.summary.entries.filter((e) => e.kind === "renumbered")).toEqual([
      expect.objectContaining({ label: "第四条–第七条", from: "第三条–第六条", count: 4 }),
    ]);
  });

  it("list items: old (六) pairs with new (五) when an earlier item is removed", () => {
    const items = ["召集股东会会议", "执行股东会的决议", "决定公司的经营计划", "制订利润分配方案", "制订弥补亏损方案", "决定内部管理机构的设置"];
    const article = (list: string[]) => ["第一条　董事会行使下列职权：", "", ...list.flatMap((t, i) => [`（${chineseNumeral(i + 1)}）${t}；`, ""])].join("\n");
    const c = compareBlocks(article(items), article(items.filter((_, i) => i !== 2)));
    expect(kinds(c.ops)).toEqual(["same", "same", "same", "del", "renum", "renum", "renum"]);
    const pairs = c.ops.filter((o) => o.kind === "renum").map((o) => `${c.old[o.a!].label}→${c.new[o.b!].label}`);
    expect(pairs).toEqual(["（四）→（三）", "（五）→（四）", "（六）→（五）"]);
    expect(c.old[c.ops[3].a!].raw).toBe("（三）决定公司的经营计划；");
  });

  it("renumbered markdown headings (3.2 → 3.3) are renumbered too", () => {
    const c = compareBlocks("## 3.1 Scope\n\nText one here.\n\n## 3.2 Records\n\nKeep records.\n", "## 3.1 Scope\n\nText one here.\n\n## 3.2 New rules\n\nAll new text about something else entirely.\n\n## 3.3 Records\n\nKeep records.\n");
    expect(kinds(c.ops)).toEqual(["same", "same", "add", "add", "renum", "same"]);
  });
});

describe("compareBlocks: moves", () => {
  it("an article moved to another chapter is shown as moved, at both places", () => {
    const chapter = (n: number, arts: number[]) => [`## 第${chineseNumeral(n)}章　章名${n}`, "", ...arts.flatMap((a) => [`第${chineseNumeral(a)}条　${ARTICLE_TEXT[a - 1]}`, ""])];
    const old = [...chapter(1, [1, 2, 3]), ...chapter(2, [4, 5, 6, 7, 8])].join("\n");
    // Article 2 moves to the end of chapter 2; everything between is renumbered.
    const neu = [
      "## 第一章　章名1", "", `第一条　${ARTICLE_TEXT[0]}`, "", `第二条　${ARTICLE_TEXT[2]}`, "",
      "## 第二章　章名2", "", ...[4, 5, 6, 7, 8].flatMap((a, i) => [`第${chineseNumeral(i + 3)}条　${ARTICLE_TEXT[a - 1]}`, ""]), `第八条　${ARTICLE_TEXT[1]}`, "",
    ].join("\n");
    const c = compareBlocks(old, neu);
    expect(c.ops.filter((o) => o.kind === "movedFrom")).toHaveLength(1);
    const to = c.ops.find((o) => o.kind === "movedTo")!;
    expect([c.old[to.a!].label, c.new[to.b!].label]).toEqual(["第二条", "第八条"]);
    const d = ok(formattedDiff(old, neu));
    expect(d.summary.counts.moved).toBe(1);
    expect(d.summary.counts.added + d.summary.counts.removed + d.summary.counts.changed).toBe(0);
    const stub = blocksOf(d).find((i) => i.kind === "movedFrom")!;
    const moved = blocksOf(d).find((i) => i.kind === "movedTo")!;
    expect(stub.ref).toBe(moved.id);
    expect(moved.from).toBe("第二条");
    expect(textOf(moved.html)).toContain(ARTICLE_TEXT[1]);
  });
});

describe("tables: cell by cell", () => {
  const table = (rows: string[][]) => ["| 违法行为 | 罚款下限 | 罚款上限 |", "|---|---:|---:|", ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
  const rows = [["虚报注册资本", "5", "50"], ["抽逃出资", "10", "100"], ["隐匿财产", "1", "20"]];

  it("marks the edited cell, the added row and the removed row", () => {
    const edited = [["虚报注册资本", "5", "80"], ["隐匿财产", "1", "20"], ["拒绝监督检查", "2", "30"]];
    const d = ok(formattedDiff(`第一条　罚款如下：\n\n${table(rows)}\n`, `第一条　罚款如下：\n\n${table(edited)}\n`));
    const t = blocksOf(d).find((i) => i.html.includes("<table"))!;
    expect(t.kind).toBe("changed");
    expect(t.html).toMatch(/<td align="right" class="fd-td-chg"><del class="fd-d">50<\/del><ins class="fd-i">80<\/ins><\/td>/);
    expect(t.html).toMatch(/<tr class="fd-tr-del"><td class="fd-td-chg"><del class="fd-d">抽逃出资<\/del><\/td>/);
    expect(t.html).toMatch(/<tr class="fd-tr-add"><td class="fd-td-chg"><ins class="fd-i">拒绝监督检查<\/ins><\/td>/);
    expect(t.html).toMatch(/<tr><td>隐匿财产<\/td>/);
    // Rendered, never the markdown source of the table.
    expect(t.html).not.toContain("|---");
    expect(d.summary.counts.changed).toBe(1);
  });
});

describe("formattedDiff: what the reader sees", () => {
  it("renders headings, emphasis and lists with the marks inside them, never raw markdown", () => {
    const d = ok(formattedDiff("### 第二节　董事会\n\n董事会由**五名**董事组成。\n\n- 第一项\n- 第二项\n", "### 第二节　董事会和经理\n\n董事会由**七名**董事组成。\n\n- 第一项\n- 第二项修订\n"));
    const html = blocksOf(d).map((i) => i.html).join("\n");
    expect(html).toMatch(/<h3>第二节　董事会<ins class="fd-i">和经理<\/ins><\/h3>/);
    expect(html).toMatch(/<strong><del class="fd-d">五<\/del><ins class="fd-i">七<\/ins>名<\/strong>|<strong><del class="fd-d">五名<\/del><ins class="fd-i">七名<\/ins><\/strong>/);
    expect(html).toMatch(/<li>第二项<ins class="fd-i">修订<\/ins><\/li>/);
    expect(textOf(html)).not.toMatch(/###|\*\*|\|---/);
  });

  it("escapes and sanitises what the diff shows: no script, handler or script URL survives", () => {
    const old = "第一条　正文。\n\n第二条　另一段正文。\n";
    const neu = `第一条　正文<img src=x onerror="alert(1)">。\n\n第二条　另一段<script>alert(2)</script>正文。\n\n[link](javascript:alert(3)) \uE000<b onclick=alert(4)>x\uE001\n`;
    const d = ok(formattedDiff(old, neu));
    const html = blocksOf(d).map((i) => i.html).join("\n");
    expect(html).not.toMatch(/onerror|onclick|<script|javascript:|<b /i);
    // A private-use character in the text cannot forge a mark.
    expect(html.match(/<ins class="fd-i">/g)?.length ?? 0).toBe(html.match(/<\/ins>/g)?.length ?? 0);
  });

  it("folds unchanged text; a fold opens with ?expand and on demand with the same content", () => {
    const old = law(8, (i) => ARTICLE_TEXT[i - 1]);
    const neu = law(8, (i) => (i === 8 ? ARTICLE_TEXT[7].replace("主持", "召集并主持") : ARTICLE_TEXT[i - 1]));
    const d = ok(formattedDiff(old, neu));
    const fold = d.items.find((i) => i.kind === "fold")!;
    expect(fold).toMatchObject({ kind: "fold", fold: 0, same: 8 });
    expect(JSON.stringify(d.items)).not.toContain(ARTICLE_TEXT[3]);
    const loaded = formattedDiffFold(old, neu, 0)!;
    expect(loaded.map((i) => (i.kind === "fold" ? "" : textOf(i.html))).join("")).toContain(ARTICLE_TEXT[3]);
    const expanded = ok(formattedDiff(old, neu, { expand: [0] }));
    expect(expanded.items.some((i) => i.kind !== "fold" && i.html.includes(ARTICLE_TEXT[3]))).toBe(true);
    expect(expanded.items.some((i) => i.id === "fd-f0")).toBe(true);
    expect(formattedDiffFold(old, neu, 9)).toBeUndefined();
  });

  it("points attachment images and links at the side they come from: removed blocks at the old version, others at the new", () => {
    const old = "第一条　现场照片如下。\n\n![旧照片](attachments/旧照片.png)\n\n第二条　表格见 [点检表](attachments/点检表.xlsx)。\n";
    const neu = "第一条　现场照片如下。\n\n![新照片](attachments/新照片.png)\n\n第二条　表格见 [点检表](attachments/点检表.xlsx)，每月填写。\n";
    const bases = { old: "/docs/EXE-001/v/3/", new: "/proposals/P-0007/" };
    const html = blocksOf(ok(formattedDiff(old, neu, { attachmentBases: bases }))).map((i) => `${i.kind}:${i.html}`);
    const imgSrcs = html.join("\n").match(/src="[^"]+"/g);
    expect(imgSrcs).toEqual(expect.arrayContaining([`src="/docs/EXE-001/v/3/attachments/${encodeURI("旧照片.png")}"`, `src="/proposals/P-0007/attachments/${encodeURI("新照片.png")}"`]));
    // The replaced image is shown whole on both sides (a word diff would cut through its address).
    expect(html.join("\n")).not.toMatch(/src="[^"]*%EE%80/);
    expect(html.join("\n")).toContain(`href="/proposals/P-0007/attachments/${encodeURI("点检表.xlsx")}"`);
    expect(html.join("\n")).not.toMatch(/(src|href)="attachments\//);
    // Without bases they stay relative, as a rendered text does.
    expect(blocksOf(ok(formattedDiff(old, neu))).map((i) => i.html).join("\n")).toMatch(/src="attachments\//);
  });

  it("says identical texts are identical", () => {
    expect(ok(formattedDiff("第一条　同。\n", "第一条　同。\n")).identical).toBe(true);
  });
});

describe("generated regulation editions (~200 KB, ~1,800 changed lines)", () => {
  const pair = lawEditions();

  it("has the size and amount of change the benchmark states", () => {
    expect(Buffer.byteLength(pair.old)).toBeGreaterThan(190 * 1024);
    expect(Buffer.byteLength(pair.old)).toBeLessThan(260 * 1024);
    const d = diffTexts(pair.old, pair.new);
    if (d.tooLarge) throw new Error(d.reason);
    const changedLines = d.stats.added + d.stats.removed + 2 * d.stats.changed;
    expect(changedLines).toBeGreaterThan(1500);
    expect(changedLines).toBeLessThan(2300);
  });

  it("the summary finds the inserted, removed and moved articles the generator made", () => {
    const d = ok(formattedDiff(pair.old, pair.new));
    expect(d.summary.counts.added).toBe(pair.changes.insertedArticles.length);
    expect(d.summary.counts.removed).toBe(pair.changes.removedArticles.length);
    expect(d.summary.counts.moved).toBe(pair.changes.movedArticles.length);
    expect(d.summary.counts.renumbered).toBeGreaterThan(50);
    expect(d.summary.counts.changed).toBeGreaterThan(pair.changes.rewordedParagraphs / 2);
  });

  it("every summary link lands on an element of the diff", () => {
    const d = ok(formattedDiff(pair.old, pair.new));
    const ids = new Set(d.items.map((i) => (i.kind === "fold" ? i.id ?? `fd-f${i.fold}` : i.id)).filter(Boolean));
    for (const e of d.summary.entries) expect(ids.has(e.anchor), `${e.kind} ${e.label} → #${e.anchor}`).toBe(true);
  });

  it("each fold loads on demand exactly what ?expand shows", () => {
    const d = ok(formattedDiff(pair.old, pair.new));
    expect(d.folds).toBeGreaterThan(20);
    expect(pair.changes.rewordedParagraphs).toBeGreaterThan(0);
    for (const k of [0, Math.floor(d.folds / 2), d.folds - 1]) {
      const loaded = formattedDiffFold(pair.old, pair.new, k)!;
      const expanded = ok(formattedDiff(pair.old, pair.new, { expand: [k] }));
      const html = (items: FormattedItem[]) => items.map((i) => (i.kind === "fold" ? "" : i.html)).join("");
      expect(html(expanded.items)).toContain(html(loaded));
    }
  });

  it("the API's block changes agree with the summary", () => {
    const changes = blockChanges(pair.old, pair.new);
    if (changes.tooLarge) throw new Error(changes.reason);
    expect(changes.summary.counts).toEqual(ok(formattedDiff(pair.old, pair.new)).summary.counts);
    expect(changes.blocks.filter((b) => b.kind === "renum").every((b) => b.from && b.to && b.from !== b.to)).toBe(true);
  });

  it("renders the summary and labels in both languages", () => {
    const d = ok(formattedDiff(pair.old, pair.new));
    for (const [locale, words] of [["en", ["Changes to articles and sections", "added", "renumbered", "unchanged paragraphs", "Show"]], ["zh-CN", ["条款与章节变更", "新增", "仅编号变化", "段未变", "展开"]]] as const) {
      const html = renderToStaticMarkup(
        createElement(FormattedDiffView, { diff: d, t: translator(locale), folds: { href: (k: number) => `?expand=${k}`, src: (k: number) => `/f?fold=${k}` }, labels: { tooLarge: "x", identical: "y" } }),
      );
      for (const w of words) expect(html, `${locale}: ${w}`).toContain(w);
      expect(html).toContain('href="?expand=0"');
    }
  });
});

describe("source diff rebuilds both texts exactly (real-shaped editions)", () => {
  const rebuild = (rows: DiffRow[], side: "old" | "new") =>
    rows
      .filter((r) => r.kind === "context" || r.kind === "change" || r.kind === (side === "old" ? "del" : "add"))
      .map((r) => ((side === "old" ? r.old : r.new) ?? []).map((s) => s.text).join("") + "\n")
      .join("");
  for (const [name, pair] of [["law", lawEditions({ seed: 11, targetBytes: 80 * 1024 })], ["handbook", handbookEditions({ seed: 3 })]] as const) {
    it(`${name}: unchanged + deleted = old, unchanged + added = new`, () => {
      const d = diffTexts(pair.old, pair.new, { context: Number.MAX_SAFE_INTEGER });
      if (d.tooLarge) throw new Error(d.reason);
      expect(d.rows.some((r) => r.kind === "skip")).toBe(false);
      expect(rebuild(d.rows, "old")).toBe(pair.old.endsWith("\n") ? pair.old : pair.old + "\n");
      expect(rebuild(d.rows, "new")).toBe(pair.new.endsWith("\n") ? pair.new : pair.new + "\n");
      for (const r of d.rows) {
        if (r.kind !== "change") continue;
        expect(r.old!.filter((s) => s.kind !== "add").map((s) => s.text).join("")).toBe(r.old!.map((s) => s.text).join(""));
        expect(r.new!.filter((s) => s.kind !== "del").map((s) => s.text).join("")).toBe(r.new!.map((s) => s.text).join(""));
      }
    });
  }

  it("handbook: numbered sections, lists and tables are compared as the reader sees them", () => {
    const pair = handbookEditions({ seed: 3 });
    const d = ok(formattedDiff(pair.old, pair.new));
    expect(d.summary.counts.changed).toBeGreaterThan(0);
    expect(d.summary.counts.added + d.summary.counts.removed).toBe(0);
    const html = blocksOf(d).map((i) => i.html).join("");
    expect(html).toContain('<ins class="fd-i">');
    expect(textOf(html)).not.toMatch(/^#+ /m);
  });
});
