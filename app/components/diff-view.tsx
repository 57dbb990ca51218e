import type { DiffRow, DiffSegment, DocumentDiff } from "~/documents/diff.server";

export interface DiffLabels {
  old: string;
  new: string;
  tooLarge: string;
  identical: string;
  skipped: (n: number) => string;
}

function Segments({ segments }: { segments?: DiffSegment[] }) {
  return (
    <>
      {(segments ?? []).map((s, i) =>
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

/** Whole-line text, marked as added/removed for row kinds add/del. */
function LineText({ row, side }: { row: DiffRow; side: "old" | "new" }) {
  const segments = side === "old" ? row.old : row.new;
  if (row.kind === "change") return <Segments segments={segments} />;
  const text = (segments ?? []).map((s) => s.text).join("");
  if (row.kind === "add") return <ins className="diff-line-add">{text}</ins>;
  if (row.kind === "del") return <del className="diff-line-del">{text}</del>;
  return <>{text}</>;
}

/** Side-by-side or inline view of a document diff. All text is rendered escaped. */
export function DiffView({ diff, mode, labels }: { diff: DocumentDiff; mode: "split" | "inline"; labels: DiffLabels }) {
  if (diff.tooLarge) {
    return (
      <div className="diff-too-large banner banner-warn" role="status">
        <strong>{labels.tooLarge}</strong>
        <p>{diff.reason}</p>
      </div>
    );
  }
  const identical = diff.identical ? <p className="diff-identical banner banner-info">{labels.identical}</p> : null;
  if (mode === "inline") {
    return (
      <div className="diff-wrap">
        {identical}
        <table className="diff diff-inline">
          <caption className="visually-hidden">
            {labels.old} → {labels.new}
          </caption>
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
              <th scope="col">
                <span className="visually-hidden">±</span>
              </th>
              <th scope="col">
                <span className="visually-hidden">text</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {diff.rows.flatMap((row, i) => {
              if (row.kind === "skip") {
                return [
                  <tr key={i} className="diff-skip">
                    <td colSpan={4}>{labels.skipped(row.skipped ?? 0)}</td>
                  </tr>,
                ];
              }
              if (row.kind === "change") {
                return [
                  <tr key={`${i}-o`} className="diff-del diff-change">
                    <td className="diff-no">{row.oldNo}</td>
                    <td className="diff-no" />
                    <td className="diff-sign">−</td>
                    <td className="diff-text">
                      <LineText row={row} side="old" />
                    </td>
                  </tr>,
                  <tr key={`${i}-n`} className="diff-add diff-change">
                    <td className="diff-no" />
                    <td className="diff-no">{row.newNo}</td>
                    <td className="diff-sign">+</td>
                    <td className="diff-text">
                      <LineText row={row} side="new" />
                    </td>
                  </tr>,
                ];
              }
              const side = row.kind === "add" ? "new" : "old";
              return [
                <tr key={i} className={row.kind === "add" ? "diff-add" : row.kind === "del" ? "diff-del" : "diff-context"}>
                  <td className="diff-no">{row.oldNo}</td>
                  <td className="diff-no">{row.kind === "del" ? "" : row.newNo}</td>
                  <td className="diff-sign">{row.kind === "add" ? "+" : row.kind === "del" ? "−" : ""}</td>
                  <td className="diff-text">
                    <LineText row={row} side={side} />
                  </td>
                </tr>,
              ];
            })}
          </tbody>
        </table>
      </div>
    );
  }
  return (
    <div className="diff-wrap">
      {identical}
      <table className="diff diff-split">
        <caption className="visually-hidden">
          {labels.old} → {labels.new}
        </caption>
        <colgroup>
          <col className="diff-col-no" />
          <col />
          <col className="diff-col-no" />
          <col />
        </colgroup>
        <thead>
          <tr>
            <th scope="col" colSpan={2}>
              {labels.old}
            </th>
            <th scope="col" colSpan={2}>
              {labels.new}
            </th>
          </tr>
        </thead>
        <tbody>
          {diff.rows.map((row, i) =>
            row.kind === "skip" ? (
              <tr key={i} className="diff-skip">
                <td colSpan={4}>{labels.skipped(row.skipped ?? 0)}</td>
              </tr>
            ) : (
              <tr key={i} className={`diff-${row.kind}`}>
                <td className="diff-no">{row.kind === "add" ? "" : row.oldNo}</td>
                <td className={`diff-text ${row.kind === "del" || row.kind === "change" ? "diff-del" : ""}`}>
                  {row.kind === "add" ? null : <LineText row={row} side="old" />}
                </td>
                <td className="diff-no">{row.kind === "del" ? "" : row.newNo}</td>
                <td className={`diff-text ${row.kind === "add" || row.kind === "change" ? "diff-add" : ""}`}>
                  {row.kind === "del" ? null : <LineText row={row} side="new" />}
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}
