/** The attachment form (multipart): upload, replace, remove, or a Word file as the new text. One schema for all. */
import { z } from "zod";
import { readForm } from "~/web/http.server";
import { maxFileBytes } from "./checks.server";

function isFile(v: unknown): v is File {
  return typeof v === "object" && v !== null && typeof (v as File).arrayBuffer === "function" && typeof (v as File).name === "string";
}

const sha = z
  .string()
  .trim()
  .regex(/^[0-9a-f]{64}$/, "invalid")
  .optional()
  .or(z.literal("").transform(() => undefined));

export const AttachmentForm = z.object({
  intent: z.enum(["upload", "remove", "word"]).default("upload"),
  file: z.unknown().optional(),
  replace: z
    .string()
    .max(1000)
    .optional()
    .transform((v) => (v && v.trim() ? v : undefined)),
  expected: sha,
  name: z.string().max(1000).optional(),
});

export type AttachmentFormValue = Omit<z.infer<typeof AttachmentForm>, "file"> & { file: { name: string; bytes: Buffer } };

/**
 * Reads the form (origin and CSRF checked). The body may be the largest
 * attachment plus the form around it; a body cut off halfway cannot be parsed
 * and is refused as unreadable, before anything is stored.
 */
export async function readAttachmentForm(
  request: Request,
  schema: typeof AttachmentForm,
): Promise<{ ok: true; value: AttachmentFormValue } | { ok: false; fieldErrors: Record<string, string> }> {
  const form = await readForm(request, schema, maxFileBytes() + 1024 * 1024);
  if (!form.ok) return { ok: false, fieldErrors: form.fieldErrors };
  const v = form.value;
  if (v.intent === "remove") {
    if (!v.name) return { ok: false, fieldErrors: { name: "required" } };
    return { ok: true, value: { ...v, file: { name: "", bytes: Buffer.alloc(0) } } };
  }
  if (!isFile(v.file) || (!v.file.name && !v.file.size)) return { ok: false, fieldErrors: { file: "attachments.err.noFile" } };
  const bytes = Buffer.from(await v.file.arrayBuffer());
  return { ok: true, value: { ...v, file: { name: v.file.name, bytes } } };
}
