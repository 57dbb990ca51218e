/** Reading the admin import form (multipart: files, optional mapping file, defaults). */
import { z } from "zod";
import { getConfig } from "~/documents/config.server";
import { CONFIDENTIALITY } from "~/documents/front-matter";
import { getDepartment } from "~/org/users.server";
import { readForm } from "~/web/http.server";
import { DUPLICATE_POLICIES, type DuplicatePolicy, type ImportFile } from "./import.server";
import { cleanUploadName, MAX_UPLOAD_BYTES, type UploadInput } from "./jobs.server";

function isFile(v: unknown): v is File {
  return typeof v === "object" && v !== null && typeof (v as File).arrayBuffer === "function" && typeof (v as File).name === "string";
}

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() ? v.trim() : undefined));

export const UploadSchema = z.object({
  intent: z.enum(["check", "import"]),
  category: optionalText.refine((v) => !v || getConfig().categories.some((c) => c.code === v), "unknown category"),
  type: optionalText.refine((v) => !v || getConfig().types.some((t) => t.code === v), "unknown document type"),
  ownerDepartment: optionalText.refine((v) => !v || !!getDepartment(v), "unknown department"),
  confidentiality: z.enum(CONFIDENTIALITY).optional(),
  duplicates: z.enum(DUPLICATE_POLICIES as [DuplicatePolicy, ...DuplicatePolicy[]]).default("import"),
  files: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.unknown())),
  mapping: z.unknown().optional(),
});

async function toImportFile(f: File): Promise<ImportFile> {
  return { name: cleanUploadName(f.name), data: Buffer.from(await f.arrayBuffer()) };
}

/** Folder uploads name files "folder/…": the shared top folder is dropped so paths match the mapping file's. */
function dropSharedTop(files: ImportFile[]): ImportFile[] {
  const tops = new Set(files.map((f) => (f.name.includes("/") ? f.name.split("/")[0] : "")));
  if (tops.size !== 1 || tops.has("")) return files;
  return files.map((f) => ({ ...f, name: f.name.slice(f.name.indexOf("/") + 1) }));
}

/** Parses the upload; `{ ok: false }` carries field errors for the form. */
export async function readUpload(
  request: Request,
): Promise<{ ok: true; intent: "check" | "import"; input: UploadInput } | { ok: false; fieldErrors: Record<string, string> }> {
  const form = await readForm(request, UploadSchema, MAX_UPLOAD_BYTES);
  if (!form.ok) return { ok: false, fieldErrors: form.fieldErrors };
  const v = form.value;
  const chosen = v.files.filter(isFile).filter((f) => f.name || f.size);
  if (!chosen.length) return { ok: false, fieldErrors: { files: "choose at least one file" } };
  const files = dropSharedTop(await Promise.all(chosen.map(toImportFile)));
  const mappingFile = isFile(v.mapping) && (v.mapping.name || v.mapping.size) ? await toImportFile(v.mapping) : undefined;
  return {
    ok: true,
    intent: v.intent,
    input: {
      files,
      mappingFile,
      options: { category: v.category, type: v.type, ownerDepartment: v.ownerDepartment, confidentiality: v.confidentiality, duplicates: v.duplicates },
    },
  };
}
