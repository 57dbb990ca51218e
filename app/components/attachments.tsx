import type { ReactNode } from "react";
import { useT } from "~/i18n/use-t";

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
