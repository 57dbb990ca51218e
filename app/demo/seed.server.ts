/**
 * First start: departments and (with DEMO=1) demo accounts from
 * content/demo.json, and the sample documents with their full history from
 * content/documents/<NUMBER>/v<N>.md + history.json, committed in date order.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { getEnv } from "~/utils/env.server";
import { readDb, updateDb } from "~/data/db.server";
import type { Role } from "~/data/schema";
import { createUser, getUserByUsername } from "~/org/users.server";
import { parseDocument } from "~/documents/front-matter";
import { publishVersion } from "~/documents/documents.server";
import { latestVersion } from "~/documents/version-index.server";
import type { ChangeKind } from "~/documents/version-index.server";
import { parseNumber } from "~/documents/numbering.server";
import { seedDemoGuides } from "~/onboarding/guides.server";

const DEMO_PASSWORD = "demo1234";

const DemoSchema = z.object({
  departments: z.array(z.object({ id: z.string(), name: z.object({ "zh-CN": z.string(), en: z.string() }) })),
  users: z.array(
    z.object({
      username: z.string(),
      name: z.string(),
      email: z.string(),
      departmentId: z.string(),
      roles: z.array(z.enum(["staff", "editor", "approver", "admin"])),
      locale: z.enum(["zh-CN", "en"]).optional(),
      head: z.boolean().optional(),
      newHire: z.boolean().optional(),
    }),
  ),
  /** Onboarding guides created once on a demo installation (steps name current documents). */
  guides: z
    .array(
      z.object({
        title: z.string(),
        description: z.string().optional(),
        roles: z.array(z.enum(["staff", "editor", "approver", "admin"])).default([]),
        departmentIds: z.array(z.string()).default([]),
        dueDays: z.number().int().min(1),
        autoAssign: z.boolean(),
        steps: z.array(z.object({ title: z.string(), note: z.string().optional(), numbers: z.array(z.string()) })),
      }),
    )
    .default([]),
});

export type DemoGuide = z.infer<typeof DemoSchema>["guides"][number];

/** The demo onboarding guides of content/demo.json (none when DEMO=0). */
export function demoGuides(): DemoGuide[] {
  return getEnv().DEMO === "1" ? readDemo().guides : [];
}

/** Creates the demo onboarding guides once per installation (before onboarding assigns guides at start-up). */
export async function seedGuides(): Promise<number> {
  return seedDemoGuides(demoGuides());
}

const HistorySchema = z.array(
  z.object({
    version: z.number().int().min(1),
    date: z.string(),
    author: z.string(),
    summary: z.string(),
    change: z.enum(["new", "minor", "major", "retire", "restore"]),
    approvedBy: z.array(z.string()).default([]),
  }),
);

function readDemo() {
  const file = path.join(getEnv().contentDir, "demo.json");
  return DemoSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
}

/** Creates departments (always) and demo users (DEMO=1) when the database has none. */
export async function seedPeople(): Promise<{ departments: number; users: number }> {
  const demo = readDemo();
  let departments = 0;
  let users = 0;
  if (readDb().departments.length === 0) {
    await updateDb((data) => {
      for (const d of demo.departments) {
        data.departments.push({ id: d.id, name: d.name, createdAt: new Date().toISOString() });
        departments++;
      }
    });
  }
  if (getEnv().DEMO === "1" && readDb().users.length === 0) {
    const newHireStart = new Date(Date.now() - 2 * 86400_000).toISOString().slice(0, 10);
    for (const u of demo.users) {
      const user = await createUser({
        username: u.username,
        name: u.name,
        email: u.email,
        departmentId: u.departmentId,
        roles: u.roles as Role[],
        password: DEMO_PASSWORD,
        locale: u.locale,
        startDate: u.newHire ? newHireStart : "2020-01-01",
      });
      users++;
      if (u.head) {
        await updateDb((data) => {
          const dept = data.departments.find((d) => d.id === u.departmentId);
          if (dept && !dept.headUserId) dept.headUserId = user.id;
        });
      }
    }
  }
  return { departments, users };
}

interface SeedVersion {
  number: string;
  version: number;
  date: Date;
  author: string;
  summary: string;
  change: ChangeKind;
  approvedBy: string[];
  text: string;
}

/** Reads the sample documents and their histories from content/documents. */
export function readSampleVersions(contentDir = getEnv().contentDir): SeedVersion[] {
  const root = path.join(contentDir, "documents");
  if (!fs.existsSync(root)) return [];
  const out: SeedVersion[] = [];
  for (const number of fs.readdirSync(root).sort()) {
    const dir = path.join(root, number);
    if (!fs.statSync(dir).isDirectory()) continue;
    if (!parseNumber(number)) throw new Error(`content/documents/${number}: not a valid document number`);
    const history = HistorySchema.parse(JSON.parse(fs.readFileSync(path.join(dir, "history.json"), "utf8")));
    for (const h of history) {
      const file = path.join(dir, `v${h.version}.md`);
      out.push({
        number,
        version: h.version,
        date: new Date(h.date),
        author: h.author,
        summary: h.summary,
        change: h.change,
        approvedBy: h.approvedBy,
        text: fs.readFileSync(file, "utf8"),
      });
    }
  }
  return out.sort((a, b) => a.date.getTime() - b.date.getTime() || a.number.localeCompare(b.number) || a.version - b.version);
}

/** Imports the sample documents into an empty repository. */
export async function seedDocuments(): Promise<number> {
  const versions = readSampleVersions();
  const demo = readDemo();
  let count = 0;
  for (const v of versions) {
    if ((latestVersion(v.number)?.version ?? 0) >= v.version) continue;
    const { meta, body } = parseDocument(v.text);
    const person = getUserByUsername(v.author) ?? demo.users.find((u) => u.username === v.author);
    await publishVersion({
      number: v.number,
      meta,
      body,
      author: {
        username: v.author,
        name: person?.name ?? v.author,
        email: person?.email ?? `${v.author}@regula.example`,
      },
      change: v.change,
      summary: v.summary,
      approvedBy: v.approvedBy,
      timestamp: Math.floor(v.date.getTime() / 1000),
      expectedVersion: v.version - 1,
    });
    count++;
  }
  if (count) {
    await updateDb((data) => {
      for (const v of versions) {
        const p = parseNumber(v.number)!;
        data.numbering[p.category] = Math.max(data.numbering[p.category] ?? 0, p.seq);
        if (!data.reservedNumbers.some((r) => r.number === v.number)) {
          data.reservedNumbers.push({ number: v.number, reservedAt: new Date().toISOString(), by: "seed", purpose: "sample document" });
        }
      }
    });
  }
  return count;
}
