/**
 * Categories, document types, numbering and approval routing come from
 * $CONTENT_DIR/config.json, so a company can rename or re-code them without
 * touching code.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { getEnv } from "~/utils/env.server";

const Localized = z.object({ "zh-CN": z.string().min(1), en: z.string().min(1) });

const ConfigSchema = z.object({
  numberPattern: z
    .string()
    .regex(/\{category\}/, "numberPattern must contain {category}")
    .regex(/\{seq(:\d)?\}/, "numberPattern must contain {seq} or {seq:N}"),
  categories: z
    .array(
      z.object({
        code: z.string().regex(/^[A-Z][A-Z0-9]{1,7}$/, "category codes are 2-8 capital letters or digits"),
        name: Localized,
        description: Localized.optional(),
        finalReviewer: z.string().default("admin"),
      }),
    )
    .min(1),
  types: z.array(z.object({ code: z.string().regex(/^[a-z][a-z0-9-]*$/), name: Localized })).min(1),
  approval: z
    .object({
      minor: z.array(z.string()).min(1),
      major: z.array(z.string()).min(1),
      new: z.array(z.string()).min(1),
      retire: z.array(z.string()).min(1),
      restore: z.array(z.string()).min(1),
      serviceLevelWorkingDays: z.number().int().min(1).default(3),
    })
    .default({
      minor: ["owner-head"],
      major: ["owner-head", "category-final"],
      new: ["owner-head", "category-final"],
      retire: ["owner-head", "category-final"],
      restore: ["owner-head", "category-final"],
      serviceLevelWorkingDays: 3,
    }),
  acknowledgementDueDays: z.number().int().min(1).default(14),
  reviewIntervalMonths: z.number().int().min(1).default(12),
});

export type PortalConfig = z.infer<typeof ConfigSchema>;
export type CategoryConfig = PortalConfig["categories"][number];

let cached: PortalConfig | null = null;

/** The validated portal configuration (categories, types, numbering, routing). */
export function getConfig(): PortalConfig {
  if (cached) return cached;
  const file = path.join(getEnv().contentDir, "config.json");
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `Invalid ${file}:\n` + parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n"),
    );
  }
  cached = parsed.data;
  return cached;
}

export function getCategory(code: string): CategoryConfig | undefined {
  return getConfig().categories.find((c) => c.code === code);
}

export function resetConfigForTests() {
  cached = null;
}
