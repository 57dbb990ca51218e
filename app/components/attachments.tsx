import type { ReactNode } from "react";
import { useT } from "~/i18n/use-t";
import type { DocumentDiff } from "~/documents/diff.server";
import { DiffView } from "./diff-view";

export interface AttachmentRow {
  name: string;
  size: number;
  sha256: string;
  type: string;
  markdown?: string;
}

/** "1.2 MB", "340 KB", "12 B". */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} B`;
}

/** PDF and Word attachments can be downloaded as a stamped controlled copy. */
export function stampable(type: string): boolean {
  return type === "application/pdf" || type === "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
}

/** A list of attachments: name (a link), size, type and hash; optional controls per row. */
export function AttachmentTable({
  attachments,
  href,
  controlled,
  showMarkdown,
  actions,
}: {
  attachments: AttachmentRow[];
  href: (a: AttachmentRow) => string;
  controlled?: (a: AttachmentRow) => string | null;
  showMarkdown?: boolean;
  actions?: (a: AttachmentRow) => ReactNode;
}) {
  const t = useT();
  if (!attachments.length) return <p className="muted attachments-none">{t("attachments.none")}</p>;
  return (
    <ul className="attachment-list">
      {attachments.map((a) => {
        const stamp = controlled?.(a);
        return (
          <li key={a.name} className="attachment">
            <div className="attachment-head">
              <a href={href(a)} className="attachment-name" data-content="">
                {a.name}
              </a>{" "}
              <span className="muted">
                {formatBytes(a.size)} · {a.type}
              </span>
            </div>
            <div className="attachment-meta muted">
              <span title={t("attachments.hash")}>
                {t("attachments.hash")} <code>{a.sha256.slice(0, 16)}…</code>
              </span>
              {" · "}
              <a href={`${href(a)}?download=1`}>{t("attachments.download")}</a>
              {stamp ? (
                <>
                  {" · "}
                  <a href={stamp} title={t("attachments.controlledHint")}>
                    {t("attachments.controlled")}
                  </a>
                </>
              ) : null}
            </div>
            {showMarkdown && a.markdown ? (
              <div className="attachment-md">
                <span className="muted">{t("attachments.insert")}:</span> <code data-content="">{a.markdown}</code>
              </div>
            ) : null}
            {actions ? actions(a) : null}
          </li>
        );
      })}
    </ul>
  );
}

/** The attachments section of a document or version page. */
export function VersionAttachments({ attachments, version }: { attachments: (AttachmentRow & { href: string; controlled: string | null })[]; version: number }) {
  const t = useT();
  if (!attachments.length) return null;
  return (
    <section className="doc-attachments" aria-labelledby="attachments-heading">
      <h2 id="attachments-heading" className="h3">
        {t("attachments.versionOf", { version })}
      </h2>
      <AttachmentTable
        attachments={attachments}
        href={(a) => (a as AttachmentRow & { href: string }).href}
        controlled={(a) => (a as AttachmentRow & { controlled: string | null }).controlled}
      />
    </section>
  );
}

interface ChangeRow {
  kind: "added" | "removed" | "replaced";
  name: string;
  before?: AttachmentRow;
  after?: AttachmentRow;
  image: boolean;
  beforeHref?: string;
  afterHref?: string;
}

function Side({ a, href }: { a?: AttachmentRow; href?: string }) {
  const t = useT();
  if (!a) return null;
  return (
    <span className="muted small">
      {formatBytes(a.size)} · {a.type} · <code title={a.sha256}>{a.sha256.slice(0, 12)}</code>
      {href ? (
        <>
          {" · "}
          <a href={`${href}?download=1`}>{t("attachments.download")}</a>
        </>
      ) : null}
    </span>
  );
}

/** A proposal's attachment changes: added, removed, replaced; images before and after; text diffs of forms. */
export function AttachmentChanges({
  changes,
  count,
  manage,
  canEdit,
  textDiffs,
}: {
  changes: ChangeRow[];
  count: number;
  /** The draft's attachments page (a proposal); none on a version diff. */
  manage?: string;
  canEdit: boolean;
  /** Text diffs of replaced Word and Excel files. */
  textDiffs: { name: string; diff: DocumentDiff }[];
}) {
  const t = useT();
  return (
    <section className="attachment-changes" aria-labelledby="attachment-changes-title">
      <h3 id="attachment-changes-title" className="h4">
        {t("attachments.changes")}{" "}
        {manage ? (
          <a href={manage} className="small">
            {canEdit ? t("attachments.manage", { count }) : t("attachments.title")}
          </a>
        ) : null}
      </h3>
      {!changes.length ? <p className="muted">{t("attachments.noChanges")}</p> : null}
      {changes.map((c) => (
        <div key={c.name} className={`attachment-change ${c.kind}`}>
          <p>
            <span className="badge">{t(`attachments.change.${c.kind}`)}</span> <strong data-content="">{c.name}</strong>
          </p>
          {c.kind === "replaced" ? (
            <ul className="plain">
              <li>
                {t("attachments.before")}: <Side a={c.before} href={c.beforeHref} />
              </li>
              <li>
                {t("attachments.after")}: <Side a={c.after} href={c.afterHref} />
              </li>
            </ul>
          ) : (
            <p>
              <Side a={c.after ?? c.before} href={c.afterHref ?? c.beforeHref} />
            </p>
          )}
          {c.image ? (
            <div className="attachment-images">
              {c.before && c.beforeHref ? (
                <figure>
                  <img src={c.beforeHref} alt={`${t("attachments.before")}: ${c.name}`} loading="lazy" />
                  <figcaption>{t("attachments.before")}</figcaption>
                </figure>
              ) : null}
              {c.after && c.afterHref ? (
                <figure>
                  <img src={c.afterHref} alt={`${t("attachments.after")}: ${c.name}`} loading="lazy" />
                  <figcaption>{t("attachments.after")}</figcaption>
                </figure>
              ) : null}
            </div>
          ) : null}
        </div>
      ))}
      {textDiffs.map((x) => (
        <div key={x.name} className="attachment-text-diff">
          <h4 className="h5">{t("attachments.textDiff", { name: x.name })}</h4>
          <DiffView
            diff={x.diff}
            mode="inline"
            labels={{
              old: t("attachments.before"),
              new: t("attachments.after"),
              tooLarge: t("diff.tooLarge"),
              identical: t("attachments.textSame", { name: x.name }),
              skipped: (n: number) => t("diff.skipped", { count: n }),
            }}
          />
        </div>
      ))}
    </section>
  );
}
