import type { ReactNode } from "react";
import type { DiffRow, DiffSegment, DocumentDiff } from "~/documents/diff.server";

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

function SkipRow({ row, label }: { row: DiffRow; label: (n: number) => string }) {
  return (
    <tr className="diff-skip">
      <td colSpan={4}>{label(row.skipped ?? 0)}</td>
    </tr>
  );
}

/** Side-by-side ("split") or single-column ("inline") view of a document diff. All text is rendered as escaped React text. */
export function DiffView({ diff, mode, labels }: { diff: DocumentDiff; mode: "split" | "inline"; labels: DiffLabels }) {
  if (diff.tooLarge) {
    return (
      <div className="diff-too-large banner banner-warn">
        <p>
          <strong>{labels.tooLarge}</strong>
        </p>
        <p>{diff.reason}</p>
      </div>
    );
  }
  if (diff.identical) {
    return <p className="diff-identical banner banner-info">{labels.identical}</p>;
  }
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
        {rows.flatMap((row, i) => {
          switch (row.kind) {
            case "skip":
              return [<SkipRow key={i} row={row} label={labels.skipped} />];
            case "change":
              return [
                <InlineLine key={`${i}o`} row={row} side="old" className="diff-change diff-del" />,
                <InlineLine key={`${i}n`} row={row} side="new" className="diff-change diff-add" />,
              ];
            case "add":
              return [<InlineLine key={i} row={row} side="new" className="diff-add" />];
            case "del":
              return [<InlineLine key={i} row={row} side="old" className="diff-del" />];
            default:
              return [<InlineLine key={i} row={row} side="new" className="diff-context" />];
          }
        })}
      </tbody>
    </table>
  );
}
