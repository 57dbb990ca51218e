import { useRef, useState, type MouseEvent, type ReactNode } from "react";
import { hasDiagram, useDiagrams } from "./diagrams";
import type { DiffRow, DiffSegment, DocumentDiff } from "~/documents/diff.server";
import type { ChangeSummary, FormattedDiff, FormattedItem } from "~/documents/diff-blocks.server";

export interface DiffLabels {
  /** Heading of the older side, e.g. "v3 (older)". */
  old: string;
  /** Heading of the newer side. */
  new: string;
  tooLarge: string;
  identical: string;
  skipped: (n: number) => string;
  /** Table caption for screen readers; defaults to "old → new". */
  caption?: string;
}

type Side = "old" | "new";

/** Word segments of a changed line; changed words are <del>/<ins>. */
function Segments({ segments }: { segments: DiffSegment[] }) {
  return (
    <>
      {segments.map((s, i) =>
        s.kind === "add" ? (
          <ins key={i} className="diff-word-add">
            {s.text}
          </ins>
        ) : s.kind === "del" ? (
          <del key={i} className="diff-word-del">
            {s.text}
          </del>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </>
  );
}

/** One side of a row: word marks for "change", a whole-line <ins>/<del> for add/del, plain text for context. */
function LineText({ row, side }: { row: DiffRow; side: Side }): ReactNode {
  const segments = (side === "old" ? row.old : row.new) ?? [];
  if (row.kind === "change") return <Segments segments={segments} />;
  const text = segments.map((s) => s.text).join("");
  if (row.kind === "add") return <ins className="diff-line-add">{text}</ins>;
  if (row.kind === "del") return <del className="diff-line-del">{text}</del>;
  return text;
}

/** What either diff shows instead of its rows: the versions were too large to compare, or are identical. */
function DiffNotice({ diff, labels }: { diff: { tooLarge: true; reason: string } | { tooLarge: false }; labels: Pick<DiffLabels, "tooLarge" | "identical"> }) {
  if (!diff.tooLarge) return <p className="diff-identical banner banner-info">{labels.identical}</p>;
  return (
    <div className="diff-too-large banner banner-warn">
      <p>
        <strong>{labels.tooLarge}</strong>
      </p>
      <p>{diff.reason}</p>
    </div>
  );
}

function SkipRow({ row, label }: { row: DiffRow; label: (n: number) => string }) {
  return (
    <tr className="diff-skip">
      <td colSpan={4}>{label(row.skipped ?? 0)}</td>
    </tr>
  );
}

/** Side-by-side ("split") or single-column ("inline") view of a document diff. All text is rendered as escaped React text. */
export function DiffView({ diff, mode, labels }: { diff: DocumentDiff; mode: "split" | "inline"; labels: DiffLabels }) {
  if (diff.tooLarge || diff.identical) return <DiffNotice diff={diff} labels={labels} />;
  const caption = labels.caption ?? `${labels.old} → ${labels.new}`;
  return <div className="diff-wrap">{mode === "inline" ? <InlineTable rows={diff.rows} labels={labels} caption={caption} /> : <SplitTable rows={diff.rows} labels={labels} caption={caption} />}</div>;
}

type TableProps = { rows: DiffRow[]; labels: DiffLabels; caption: string };

function SplitTable({ rows, labels, caption }: TableProps) {
  return (
    <table className="diff diff-split">
      <caption className="visually-hidden">{caption}</caption>
      <colgroup className="diff-side-old">
        <col className="diff-col-no" />
        <col />
      </colgroup>
      <colgroup className="diff-side-new">
        <col className="diff-col-no" />
        <col />
      </colgroup>
      <thead>
        <tr>
          <th scope="colgroup" colSpan={2}>
            {labels.old}
          </th>
          <th scope="colgroup" colSpan={2}>
            {labels.new}
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => {
          if (row.kind === "skip") return <SkipRow key={i} row={row} label={labels.skipped} />;
          const hasOld = row.kind !== "add";
          const hasNew = row.kind !== "del";
          const oldClass = row.kind === "del" || row.kind === "change" ? " diff-del" : hasOld ? "" : " diff-empty";
          const newClass = row.kind === "add" || row.kind === "change" ? " diff-add" : hasNew ? "" : " diff-empty";
          return (
            <tr key={i} className={`diff-${row.kind}`}>
              <td className="diff-no">{hasOld ? row.oldNo : null}</td>
              <td className={`diff-text${oldClass}`}>{hasOld ? <LineText row={row} side="old" /> : null}</td>
              <td className="diff-no">{hasNew ? row.newNo : null}</td>
              <td className={`diff-text${newClass}`}>{hasNew ? <LineText row={row} side="new" /> : null}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function InlineLine({ row, side, className }: { row: DiffRow; side: Side; className: string }) {
  const sign = row.kind === "context" ? "" : side === "old" ? "−" : "+";
  return (
    <tr className={className}>
      <td className="diff-no">{side === "old" || row.kind === "context" ? row.oldNo : null}</td>
      <td className="diff-no">{side === "new" || row.kind === "context" ? row.newNo : null}</td>
      <td className="diff-sign">{sign}</td>
      <td className="diff-text">
        <LineText row={row} side={side} />
      </td>
    </tr>
  );
}

/** The lines an inline table shows for each kind of row: a changed line is its old line above its new one. */
const INLINE_LINES: Record<Exclude<DiffRow["kind"], "skip">, [Side, string][]> = {
  change: [
    ["old", "diff-change diff-del"],
    ["new", "diff-change diff-add"],
  ],
  add: [["new", "diff-add"]],
  del: [["old", "diff-del"]],
  context: [["new", "diff-context"]],
};

function InlineTable({ rows, labels, caption }: TableProps) {
  return (
    <table className="diff diff-inline">
      <caption className="visually-hidden">{caption}</caption>
      <colgroup>
        <col className="diff-col-no" />
        <col className="diff-col-no" />
        <col className="diff-col-sign" />
        <col />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">{labels.old}</th>
          <th scope="col">{labels.new}</th>
          <th scope="col" colSpan={2}>
            <span className="visually-hidden">{caption}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.flatMap((row, i) =>
          row.kind === "skip"
            ? [<SkipRow key={i} row={row} label={labels.skipped} />]
            : INLINE_LINES[row.kind].map(([side, className]) => <InlineLine key={`${i}${side}`} row={row} side={side} className={className} />),
        )}
      </tbody>
    </table>
  );
}

// ---- the formatted diff ("what the reader sees") -------------------------------------

type Translate = (key: string, vars?: Record<string, string | number>) => string;
type SummaryKind = keyof ChangeSummary["counts"];
const SUMMARY_KINDS: SummaryKind[] = ["added", "removed", "changed", "moved", "renumbered"];

/**
 * A translated message whose placeholders hold the document's own labels
 * (article numbers, headings): each label is marked as content, so the
 * message stays in the reader's language around the document's words.
 */
function withLabels(t: Translate, key: string, vars: Record<string, string>): ReactNode {
  const marked = Object.fromEntries(Object.keys(vars).map((k) => [k, `\u0000${k}\u0000`]));
  const parts = t(key, marked).split("\u0000");
  return parts.map((part, i) =>
    i % 2 === 1 && part in vars ? (
      <span key={i} data-content="">
        {vars[part]}
      </span>
    ) : (
      part
    ),
  );
}

/** Counts of changed articles and sections, each opening a list of links into the diff. */
export function ChangeSummaryView({ summary, t }: { summary: ChangeSummary; t: Translate }) {
  const kinds = SUMMARY_KINDS.filter((k) => summary.counts[k] > 0);
  return (
    <section className="fd-summary" aria-labelledby="fd-summary-title">
      <h3 id="fd-summary-title">{t("diff.summary.title")}</h3>
      {kinds.length === 0 ? (
        <p className="muted">{t("diff.summary.none")}</p>
      ) : (
        <ul className="fd-counts">
          {kinds.map((kind) => (
            <li key={kind} className={`fd-count fd-count-${kind}`}>
              <details>
                <summary>{t(`diff.summary.${kind}`, { count: summary.counts[kind] })}</summary>
                <ul className="fd-entries">
                  {summary.entries
                    .filter((e) => e.kind === kind)
                    .map((e, i) => (
                      <li key={i}>
                        <a href={`#${e.anchor}`} data-content="">
                          {e.label}
                        </a>
                        {e.from ? <span className="muted"> {withLabels(t, "diff.summary.was", { label: e.from })}</span> : null}
                      </li>
                    ))}
                </ul>
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function blockNote(item: Exclude<FormattedItem, { kind: "fold" }>, t: Translate): ReactNode {
  switch (item.kind) {
    case "add":
      return t("diff.block.added");
    case "del":
      return t("diff.block.removed");
    case "renum":
      return item.from && item.to ? withLabels(t, "diff.block.renumbered", { from: item.from, to: item.to }) : null;
    case "movedTo":
      return item.from ? withLabels(t, "diff.block.movedTo", { from: item.from }) : t("diff.block.movedHere");
    case "changed":
      return item.from && item.to ? withLabels(t, "diff.block.renumbered", { from: item.from, to: item.to }) : null;
    default:
      return null;
  }
}

function FormattedBlock({ item, t }: { item: Exclude<FormattedItem, { kind: "fold" }>; t: Translate }) {
  if (item.kind === "movedFrom") {
    return (
      <p className="fd-b fd-movedFrom" id={item.id}>
        <a href={`#${item.ref}`}>{item.to ? withLabels(t, "diff.block.movedFrom", { to: item.to }) : t("diff.block.movedAway")}</a>
      </p>
    );
  }
  const note = blockNote(item, t);
  return (
    <div className={`fd-b fd-${item.kind}`} id={item.id}>
      {item.where ? <p className="fd-where" data-content="">
          {item.where}
        </p> : null}
      {note ? <p className="fd-note">{note}</p> : null}
      {/* Sanitised on the server (documents/render.server.ts renderDiffMarkdown). */}
      <div className="markdown fd-body" dangerouslySetInnerHTML={{ __html: item.html }} />
    </div>
  );
}

function foldText(item: Extract<FormattedItem, { kind: "fold" }>, t: Translate): ReactNode {
  const parts: string[] = [];
  // A stretch of further changes (past what the page shows at once) says what changed first.
  if (item.changed) parts.push(t("diff.fold.changed", { count: item.changed }));
  if (item.add) parts.push(t("diff.fold.add", { count: item.add }));
  if (item.del) parts.push(t("diff.fold.del", { count: item.del }));
  if (item.moved) parts.push(t("diff.fold.moved", { count: item.moved }));
  const unchanged = (item.same ?? 0) + (item.renum ?? 0);
  if (unchanged > 0) parts.push(t("diff.fold.same", { count: unchanged }));
  if (item.renum) parts.push(t("diff.fold.renum", { count: item.renum }));
  const text = parts.join(" · ");
  if (!item.first) return text;
  // The first and last article of the stretch are the document's own labels.
  const range = item.last && item.last !== item.first ? `${item.first}–${item.last}` : item.first;
  return (
    <>
      {text ? `${text} · ` : ""}
      <span data-content="">{range}</span>
    </>
  );
}

export interface FoldLinks {
  /** Page URL that shows the fold expanded (works without JavaScript). */
  href: (fold: number) => string;
  /** JSON endpoint answering { items } for the fold. */
  src: (fold: number) => string;
}

/**
 * The formatted diff: rendered blocks with insertions and deletions marked
 * inside them, unchanged stretches folded. A fold is a link that expands it
 * on the server; with JavaScript the click fetches just that stretch.
 */
export function FormattedDiffView({ diff, t, folds, labels }: { diff: FormattedDiff; t: Translate; folds: FoldLinks; labels: Pick<DiffLabels, "tooLarge" | "identical"> }) {
  const [loaded, setLoaded] = useState<Record<number, FormattedItem[] | "loading">>({});
  // Diagrams changed in the diff are drawn before and after (mermaid loads only when there is one).
  const blocks = useRef<HTMLDivElement>(null);
  const shown = [diff.tooLarge ? [] : diff.items, ...Object.values(loaded).filter((v): v is FormattedItem[] => Array.isArray(v))].flat();
  const diagrams = shown.filter((i) => i.kind !== "fold" && hasDiagram(i.html)).length;
  useDiagrams(blocks, diagrams > 0 ? `class="language-mermaid" ${diagrams}` : "", t);
  if (diff.tooLarge || diff.identical) return <DiffNotice diff={diff} labels={labels} />;

  const open = async (event: MouseEvent<HTMLAnchorElement>, fold: number) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    const href = event.currentTarget.href;
    setLoaded((s) => ({ ...s, [fold]: "loading" }));
    try {
      const res = await fetch(folds.src(fold), { headers: { Accept: "application/json" } });
      if (!res.ok) throw new Error(String(res.status));
      const body = (await res.json()) as { items: FormattedItem[] };
      setLoaded((s) => ({ ...s, [fold]: body.items }));
    } catch {
      // The server-side expansion still works.
      window.location.assign(href);
    }
  };

  const render = (item: FormattedItem, key: string): ReactNode => {
    if (item.kind !== "fold") return <FormattedBlock key={key} item={item} t={t} />;
    const state = loaded[item.fold];
    const id = item.id ?? `fd-f${item.fold}`;
    if (Array.isArray(state)) {
      return (
        <div key={key} className="fd-unfolded" id={id}>
          {state.map((inner, i) => render(inner, `${key}.${i}`))}
        </div>
      );
    }
    if (!item.same && !item.renum && !item.add && !item.del && !item.changed && !item.moved) return <span key={key} id={id} />;
    return (
      <p key={key} className="fd-fold" id={id}>
        <a href={folds.href(item.fold)} onClick={(e) => void open(e, item.fold)} aria-busy={state === "loading" || undefined}>
          <span>{foldText(item, t)}</span> <span className="fd-fold-show">{state === "loading" ? t("diff.fold.loading") : t("diff.fold.show")}</span>
        </a>
      </p>
    );
  };

  return (
    <>
      <ChangeSummaryView summary={diff.summary} t={t} />
      <p className="muted small fd-legend">{t("diff.legend")}</p>
      <div className="fd" ref={blocks}>{diff.items.map((item, i) => render(item, String(i)))}</div>
    </>
  );
}
