/**
 * Pieces of the consolidation pages: one clause row of the aligned copies
 * (the copies' variants with word-level marks and the controller's choice,
 * as radio buttons that work without JavaScript), and the copies panel of a
 * proposal.
 */
import { Link } from "@remix-run/react";
import type { DiffSegment } from "~/documents/diff.server";
import { useT } from "~/i18n/use-t";

interface RowData {
  id: string;
  label: string;
  state: "same" | "differ" | "partial";
  variants: { copies: number[]; segments: DiffSegment[]; text: string }[];
  missing: number[];
  choice?: { pick: number } | { text: string } | { omit: true };
  chosen?: string | null;
}

function Marked({ segments }: { segments: DiffSegment[] }) {
  return (
    <>
      {segments.map((s, i) =>
        s.kind === "same" ? (
          <span key={i}>{s.text}</span>
        ) : s.kind === "add" ? (
          <ins key={i} className="w-add">
            {s.text}
          </ins>
        ) : (
          <del key={i} className="w-del">
            {s.text}
          </del>
        ),
      )}
    </>
  );
}

function Letters({ copies, letters }: { copies: number[]; letters: string[] }) {
  return (
    <span className="cons-letters">
      {copies.map((c) => (
        <span key={c} className={`cons-letter cons-letter-${letters[c]}`}>
          {letters[c]}
        </span>
      ))}
    </span>
  );
}

/** One clause across the copies: agreed text once, or each variant to pick from. */
export function ClauseRow({ row, letters, editable, errors }: { row: RowData; letters: string[]; editable: boolean; errors: Record<string, string> }) {
  const t = useT();
  const name = `pick.${row.id}`;
  const current = !row.choice ? "keep" : "pick" in row.choice ? `copy:${row.choice.pick}` : "text" in row.choice ? "edit" : "omit";
  const decided = row.chosen !== undefined;
  const title = row.label || t("consolidation.row.unlabelled");
  return (
    <li className={`cons-row cons-${row.state}${decided ? "" : " cons-open"}`} id={row.id} data-row={row.id} data-state={row.state}>
      <div className="cons-row-head">
        <span className="cons-label" data-content="">
          {title}
        </span>{" "}
        <span className={`badge cons-state-${row.state}`}>{t(`consolidation.state.${row.state}`)}</span>
        {row.state !== "same" && !decided ? <span className="badge cons-state-open">{t("consolidation.state.open")}</span> : null}
      </div>
      {row.state === "same" ? (
        <p className="cons-text" data-content="">
          {row.variants[0].text}
        </p>
      ) : (
        <fieldset className="cons-choices" disabled={!editable}>
          <legend className="visually-hidden">{t("consolidation.choiceFor", { clause: title })}</legend>
          {row.variants.map((v) => {
            const pick = v.copies.find((c) => current === `copy:${c}`) ?? v.copies[0];
            return (
              <label key={v.copies.join("")} className="cons-variant">
                <input type="radio" name={name} value={`copy:${pick}`} defaultChecked={v.copies.some((c) => current === `copy:${c}`)} />
                <Letters copies={v.copies} letters={letters} />
                <span className="cons-text" data-content="">
                  <Marked segments={v.segments} />
                </span>
              </label>
            );
          })}
          {row.missing.length ? (
            <label className="cons-variant cons-omit">
              <input type="radio" name={name} value="omit" defaultChecked={current === "omit"} />
              <Letters copies={row.missing} letters={letters} />
              <span>{t("consolidation.omit")}</span>
            </label>
          ) : null}
          <label className="cons-variant cons-edit">
            <input type="radio" name={name} value="edit" defaultChecked={current === "edit"} />
            <span>{t("consolidation.edit")}</span>
          </label>
          <label htmlFor={`text.${row.id}`} className="visually-hidden">
            {t("consolidation.editText", { clause: title })}
          </label>
          <textarea
            id={`text.${row.id}`}
            name={`text.${row.id}`}
            rows={3}
            defaultValue={row.choice && "text" in row.choice ? row.choice.text : row.variants[0].text}
            aria-invalid={errors[`text.${row.id}`] ? true : undefined}
          />
          {errors[`text.${row.id}`] ? (
            <p className="field-error" role="alert">
              {errors[`text.${row.id}`]}
            </p>
          ) : null}
          <label className="cons-variant cons-keep">
            <input type="radio" name={name} value="keep" defaultChecked={current === "keep"} />
            <span>{t("consolidation.later")}</span>
          </label>
        </fieldset>
      )}
    </li>
  );
}

export type CopiesPanelData =
  | { kind: "consolidation"; id: string; copies: { number: string; version: number; title: string }[]; status: string }
  | { kind: "looks-like"; matches: { number: string; title: string; percent: number; sameTitle: boolean; similarTitle: boolean }[] }
  | null;

/** On a proposal: the copies it will retire, or the documents a new document looks like. */
export function CopiesPanel({ data, isAdmin }: { data: CopiesPanelData; isAdmin: boolean }) {
  const t = useT();
  if (!data) return null;
  if (data.kind === "consolidation") {
    return (
      <div className="banner banner-info cons-panel" role="note">
        <p>{t("consolidation.proposalRetires", { count: data.copies.length })}</p>
        <ul>
          {data.copies.map((c) => (
            <li key={c.number}>
              <Link to={`/docs/${c.number}`}>
                {c.number} v{c.version}
              </Link>{" "}
              <span data-content="">{c.title}</span>
            </li>
          ))}
        </ul>
        {isAdmin ? <Link to={`/consolidations/${data.id}`}>{t("consolidation.seeConsolidation", { id: data.id })}</Link> : null}
      </div>
    );
  }
  return (
    <div className="banner banner-warn cons-panel" role="note">
      <ul>
        {data.matches.map((m) => (
          <li key={m.number} data-looks-like={m.number}>
            {m.sameTitle || m.similarTitle
              ? t(m.percent >= 1 ? "consolidation.looksLikeTitleText" : "consolidation.looksLikeTitle", { number: m.number, percent: m.percent })
              : t("consolidation.looksLike", { number: m.number, percent: m.percent })}{" "}
            <Link to={`/docs/${m.number}`}>
              {m.number} <span data-content="">{m.title}</span>
            </Link>{" "}
            · <Link to={`/docs/${m.number}/propose`}>{t("consolidation.reviseInstead", { number: m.number })}</Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
