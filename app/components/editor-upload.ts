/**
 * Uploading a pasted or dropped file to a proposal draft
 * (POST /proposals/<id>/attachments, multipart field `file`): the answer's
 * `markdown` is the snippet to insert where the file was put.
 */
import type { Translate } from "~/i18n/i18n";

export interface UploadAnswer {
  name: string;
  size: number;
  sha256: string;
  type: string;
  markdown: string;
}

/** Uploads one file; resolves to the snippet, rejects with a message in the reader's language. */
export async function uploadAttachment(url: string, csrf: string, file: File, t: Translate): Promise<UploadAnswer> {
  const body = new FormData();
  body.append("_csrf", csrf);
  body.append("file", file, file.name || "pasted.png");
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", body, headers: { Accept: "application/json", "X-CSRF-Token": csrf } });
  } catch (e) {
    throw new Error(t("editor.upload.failed", { name: file.name, reason: e instanceof Error ? e.message : String(e) }));
  }
  let answer: unknown = null;
  try {
    answer = await res.json();
  } catch {
    answer = null;
  }
  if (!res.ok) {
    const err = (answer as { error?: { message?: string } | string; formError?: string } | null) ?? null;
    const reason =
      (typeof err?.error === "string" ? err.error : err?.error?.message) ?? err?.formError ?? `${res.status} ${res.statusText}`;
    throw new Error(t("editor.upload.failed", { name: file.name, reason }));
  }
  const a = answer as Partial<UploadAnswer> | null;
  if (!a || typeof a.markdown !== "string") throw new Error(t("editor.upload.failed", { name: file.name, reason: t("editor.upload.badAnswer") }));
  return a as UploadAnswer;
}
