import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

/** Every setting the portal reads, with a working default for a single machine. */
const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATA_DIR: z.string().min(1).default("./data"),
  CONTENT_DIR: z.string().min(1).default("./content"),
  SESSION_SECRET: z.string().min(16, "SESSION_SECRET must be at least 16 characters").optional(),
  DEMO: z.enum(["0", "1"]).default("1"),
  PUBLIC_URL: z.string().url().optional(),
  /** postgres://… switches all application data from lowdb and JSON-lines files to PostgreSQL (decision 108). */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, "DATABASE_URL must be a postgres:// (or postgresql://) URL")
    .optional(),
  /** How often an instance looks for changes made by other instances when no notification came (PostgreSQL only). */
  DATABASE_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(2000),
  MEILI_HOST: z.string().url().optional(),
  MEILI_API_KEY: z.string().optional(),
  MEILI_INDEX: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "MEILI_INDEX: letters, digits, - and _ only").default("regula_documents"),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default("Regula <regula@localhost>"),
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:|https:\/\/)\S+$/, "VAPID_SUBJECT must be a mailto: address or an https: URL")
    .optional(),
  NOTIFY_DIGEST_HOUR: z.coerce.number().int().min(0).max(23).default(8),
  BACKUP_INTERVAL_HOURS: z.coerce.number().min(0).default(24),
  BACKUP_RETENTION: z.coerce.number().int().min(1).default(14),
  BACKUP_DIR: z.string().optional(),
  TRUST_PROXY: z.enum(["0", "1"]).default("0"),
  HEALTH_TOKEN: z.string().min(16, "HEALTH_TOKEN must be at least 16 characters").optional(),
  AUDIT_KEY: z.string().min(32, "AUDIT_KEY must be at least 32 characters").optional(),
  AUDIT_KEY_FILE: z.string().min(1).optional(),
  SCHEDULER_INTERVAL_SECONDS: z.coerce.number().min(1).default(60),
  /** Chromium used to make PDFs of the print view; unset = /usr/bin/chromium or /usr/bin/chromium-browser when present. */
  CHROMIUM_PATH: z.string().min(1).optional(),
  MAX_DOCUMENT_BYTES: z.coerce.number().int().min(1024).default(2 * 1024 * 1024),
  /** Memory for rendered reader pages kept for their data, in MB; 0 renders every page (decision 105). */
  PAGE_CACHE_MB: z.coerce.number().min(0).max(4096).default(32),
  /** Largest attachment, and largest sum of one version's attachments, in MB (decision 094). */
  ATTACHMENT_MAX_MB: z.coerce.number().positive().max(2048).default(50),
  ATTACHMENT_VERSION_MAX_MB: z.coerce.number().positive().max(8192).default(200),
  /** Latest effective date a proposal may ask for, in days from today (decision 070). */
  MAX_EFFECTIVE_DAYS: z.coerce.number().int().min(1).max(36500).default(1095),
});

export type Env = z.infer<typeof EnvSchema> & {
  dataDir: string;
  contentDir: string;
  repoDir: string;
  sessionSecret: string;
  backupDir: string;
};

let cached: Env | null = null;

export class ConfigError extends Error {
  code = "config" as const;
}

/** Reads and validates the environment once; throws ConfigError with every problem listed. */
export function getEnv(): Env {
  if (cached) return cached;
  const parsed = EnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join("\n")}`);
  }
  const raw = parsed.data;
  const dataDir = path.resolve(raw.DATA_DIR);
  const contentDir = path.resolve(raw.CONTENT_DIR);
  cached = {
    ...raw,
    dataDir,
    contentDir,
    repoDir: path.join(dataDir, "repo"),
    backupDir: path.resolve(raw.BACKUP_DIR ?? path.join(dataDir, "backups")),
    sessionSecret: raw.SESSION_SECRET ?? loadOrCreateSecret(dataDir),
  };
  return cached;
}

/** Forget the cached environment (tests point DATA_DIR elsewhere between files). */
export function resetEnvForTests() {
  cached = null;
}

function loadOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, "session-secret");
  try {
    const existing = fs.readFileSync(file, "utf8").trim();
    if (existing.length >= 16) return existing;
  } catch {
    /* first start: create it below */
  }
  const secret = randomBytes(32).toString("hex");
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, secret + "\n", { mode: 0o600 });
  } catch (error) {
    throw new ConfigError(
      `DATA_DIR ${dataDir} is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). ` +
        `Point DATA_DIR at a writable folder with free space.`,
    );
  }
  return secret;
}
