/**
 * Directory sync, running: a dry run reads the whole directory and lists every
 * change; applying reads it again, checks that it still gives the same list,
 * and writes all of it in one database write with its audit entries — or
 * nothing (decision 087). Leavers lose sessions, API tokens and grants at once;
 * approvals waiting on them are re-routed (decision 070's re-route), and what
 * they own is flagged to the admins.
 */
import { randomUUID } from "node:crypto";
import { readDirectory, DirectoryUnavailableError } from "~/access/ldap.server";
import { ldapSettings } from "~/access/ldap-settings.server";
import type { AuthUser } from "~/access/session.server";
import { getUserById } from "~/org/users.server";
import { appendAudit, appendAudits, type AuditInput } from "~/audit/audit.server";
import { collection, mutableCollection, readDb, updateDb } from "~/data/db.server";
import type { Data, User } from "~/data/schema";
import { allLatest } from "~/documents/version-index.server";
import { currentApprovers, listProposals, rerouteCandidates, strandedProposals } from "~/revisions/proposals.server";
import { rerouteProposal } from "~/revisions/commands/reroute.server";
import { nowIso } from "~/utils/clock.server";
import { DomainError, msg } from "~/utils/errors.server";
import { emit } from "~/documents/events.server";
import { withLock } from "~/utils/lock.server";
import { planSync, type Change, type Plan } from "./plan.server";

export const SYNC_ACTOR = "directory-sync";
const RUNS = "directorySyncRuns";
const FLAGS = "directoryFlags";
const LOCK = "directory-sync";
const KEEP_RUNS = 20;

export type RunStatus = "running" | "planned" | "needs-confirmation" | "changed" | "applied" | "failed";
export type RunPhase = "reading" | "planning" | "applying" | "rerouting" | "done";

export interface SyncRun {
  id: string;
  mode: "dry-run" | "apply" | "scheduled";
  by: string;
  startedAt: string;
  finishedAt?: string;
  status: RunStatus;
  phase: RunPhase;
  /** Changes applied so far (while applying) and in all. */
  done: number;
  total: number;
  plan?: Plan;
  /** For an apply: the dry run it carried out. */
  dryRunId?: string;
  error?: { key: string; vars?: Record<string, string | number>; text: string };
  /** What happened after the write: proposals re-routed and things flagged. */
  rerouted?: { proposal: string; number: string; to: string[] }[];
  flagged?: number;
}

/** Something an admin must look at after a sync: documents a leaver owned, proposals they wrote. */
export interface DirectoryFlag {
  id: string;
  at: string;
  runId: string;
  userId: string;
  username: string;
  kind: "owner-left";
  /** Documents whose owning department the leaver headed. */
  documents: string[];
  /** Proposals the leaver authored that are not finished. */
  proposals: string[];
  resolvedAt?: string;
  resolvedBy?: string;
}

/** The last runs, newest first (kept in the database, so the admin page survives a restart). */
export function listRuns(): SyncRun[] {
  return [...collection<SyncRun>(RUNS)].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

export function getRun(id: string): SyncRun | undefined {
  return collection<SyncRun>(RUNS).find((r) => r.id === id);
}

export function openFlags(): DirectoryFlag[] {
  return collection<DirectoryFlag>(FLAGS).filter((f) => !f.resolvedAt);
}

async function saveRun(run: SyncRun) {
  await updateDb((data) => {
    const runs = mutableCollection<SyncRun>(data, RUNS);
    const i = runs.findIndex((r) => r.id === run.id);
    if (i >= 0) runs[i] = structuredClone(run);
    else runs.push(structuredClone(run));
    runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    runs.splice(KEEP_RUNS);
  });
}

/** Runs in progress in this process (for the progress shown on the admin page). */
const live = new Map<string, SyncRun>();

/** A run as it is now: in progress from memory, finished from the database. */
export function runState(id: string): SyncRun | undefined {
  return live.get(id) ?? getRun(id);
}

function failure(error: unknown): SyncRun["error"] {
  if (error instanceof DirectoryUnavailableError) return { key: "directory.err.unreachable", vars: { problem: error.problem }, text: error.message };
  if (error instanceof DomainError && error.key) return { key: error.key, vars: error.vars as Record<string, string | number> | undefined, text: error.message };
  return { key: "directory.err.failed", vars: { problem: (error as Error).message }, text: (error as Error).message };
}

export interface StartOptions {
  /** Tests: runs between the directory reads (to end the server mid-read). */
  afterStep?: (step: "departments" | "people" | "groups") => Promise<void>;
}

/** Starts a dry run: reads the directory and lists every change. Resolves when the run is recorded as started. */
export async function startDryRun(by: string, options: StartOptions = {}): Promise<{ run: SyncRun; finished: Promise<SyncRun> }> {
  return start({ mode: "dry-run", by }, options);
}

/**
 * Starts applying a dry run's changes (admins: `confirm` when it disables more
 * than the configured share). The scheduled sync passes no dry run: it plans
 * and applies in one go, and stops when confirmation would be needed.
 */
export async function startApply(by: string, dryRunId: string | undefined, confirm: boolean, options: StartOptions = {}): Promise<{ run: SyncRun; finished: Promise<SyncRun> }> {
  if (dryRunId) {
    const dry = getRun(dryRunId);
    const runs = listRuns();
    // Only the newest dry run, and only once: an older list may no longer be what the directory says.
    const latest = runs.find((r) => r.mode === "dry-run");
    const used = runs.some((r) => r.dryRunId === dryRunId) || [...live.values()].some((r) => r.dryRunId === dryRunId);
    if (!dry || !dry.plan || dry.id !== latest?.id || used || (dry.status !== "planned" && dry.status !== "needs-confirmation")) {
      throw new DomainError("conflict", msg("directory.err.noDryRun"));
    }
  }
  return start({ mode: dryRunId ? "apply" : "scheduled", by, dryRunId, confirm }, options);
}

async function start(
  args: { mode: SyncRun["mode"]; by: string; dryRunId?: string; confirm?: boolean },
  options: StartOptions,
): Promise<{ run: SyncRun; finished: Promise<SyncRun> }> {
  if (!ldapSettings()) throw new DomainError("conflict", msg("directory.err.notConfigured"));
  if ([...live.values()].some((r) => r.status === "running")) throw new DomainError("conflict", msg("directory.err.busy"));
  const run: SyncRun = { id: randomUUID().slice(0, 8), mode: args.mode, by: args.by, startedAt: nowIso(), status: "running", phase: "reading", done: 0, total: 0, dryRunId: args.dryRunId };
  live.set(run.id, run);
  await saveRun(run);
  const finished = withLock(LOCK, () => execute(run, args, options)).finally(() => live.delete(run.id));
  return { run: structuredClone(run), finished };
}

async function execute(run: SyncRun, args: { mode: SyncRun["mode"]; by: string; dryRunId?: string; confirm?: boolean }, options: StartOptions): Promise<SyncRun> {
  try {
    const snapshot = await readDirectory({ afterStep: options.afterStep });
    run.phase = "planning";
    const plan = planSync(snapshot, readDb());
    run.plan = plan;
    run.total = plan.changes.filter((c) => c.kind !== "skip").length;
    if (args.mode === "dry-run") {
      run.status = plan.needsConfirmation ? "needs-confirmation" : "planned";
      await appendAudit({ actor: args.by, action: "directory.sync.dry-run", object: `sync:${run.id}`, details: summary(plan) });
      return await finish(run);
    }
    if (args.dryRunId) {
      const dry = getRun(args.dryRunId);
      if (dry?.plan?.fingerprint !== plan.fingerprint) {
        // The directory (or the portal) changed since the dry run: nothing is applied; the new list is shown for another look.
        run.status = "changed";
        await appendAudit({ actor: args.by, action: "directory.sync", object: `sync:${run.id}`, outcome: "denied", details: { reason: "changed-since-dry-run", dryRun: args.dryRunId, ...summary(plan) } });
        return await finish(run);
      }
    }
    if (plan.needsConfirmation && !args.confirm) {
      run.status = "needs-confirmation";
      await appendAudit({
        actor: args.by,
        action: "directory.sync",
        object: `sync:${run.id}`,
        outcome: "denied",
        details: { reason: "disable-limit", ...summary(plan) },
      });
      return await finish(run);
    }
    run.phase = "applying";
    const applied = await applyPlan(run, plan, args.by);
    run.phase = "rerouting";
    run.rerouted = await rerouteWaiting(applied.waitingOn, args.by);
    run.flagged = applied.flagged;
    run.status = "applied";
    return await finish(run);
  } catch (error) {
    run.status = "failed";
    run.error = failure(error);
    await appendAudit({ actor: args.by, action: "directory.sync", object: `sync:${run.id}`, outcome: "failed", details: { mode: args.mode, problem: run.error?.text } }).catch(() => undefined);
    return await finish(run);
  }
}

async function finish(run: SyncRun): Promise<SyncRun> {
  run.phase = "done";
  run.finishedAt = nowIso();
  await saveRun(run);
  return structuredClone(run);
}

function summary(plan: Plan) {
  const counts: Record<string, number> = {};
  for (const c of plan.changes) counts[c.kind] = (counts[c.kind] ?? 0) + 1;
  return { changes: counts, disabling: plan.disabling, disablePercent: plan.disablePercent, limitPercent: plan.limitPercent };
}

const COLLECTIONS = ["users", "departments", "sessions", "apiTokens", "grants", "accessDelegates", FLAGS] as const;

/** Proposals waiting on each leaver (worked out before the write, re-routed after it). */
type WaitingOn = { proposalId: string; number: string; leaver: string }[];

/**
 * Writes every change of the plan in one database write, then its audit
 * entries as one group; if the entries cannot be written the collections are
 * put back as they were and the error goes to the caller.
 */
async function applyPlan(run: SyncRun, plan: Plan, by: string): Promise<{ waitingOn: WaitingOn; flagged: number }> {
  const at = nowIso();
  const leaverIds = new Set(plan.changes.flatMap((c) => (c.kind === "user.deprovision" ? [c.userId] : [])));
  const waitingOn: WaitingOn = [];
  for (const p of listProposals({ status: "in-review" })) {
    const ids = currentApprovers(p).map((u) => u.id);
    for (const id of ids) if (leaverIds.has(id)) waitingOn.push({ proposalId: p.id, number: p.number, leaver: getUserById(id)?.username ?? id });
  }
  const latest = allLatest();
  const audits: AuditInput[] = [];
  const revoked: { id: string; number: string; userId: string; reason: string }[] = [];
  let before: Record<string, string> = {};
  let flagged = 0;
  await updateDb((data) => {
    before = Object.fromEntries(COLLECTIONS.map((c) => [c, JSON.stringify((data as unknown as Record<string, unknown>)[c] ?? [])]));
    const byUsernameCreated = new Map<string, User>();
    const findUser = (id: string) => data.users.find((u) => u.id === id);
    const revokeGrants = (ids: string[], userId: string, reason: string) => {
      for (const g of mutableCollection<{ id: string; number: string; userId: string; revokedAt?: string; revokedBy?: string; revokeReason?: string; expiresAt: string }>(data, "grants")) {
        if (!ids.includes(g.id) || g.revokedAt || g.userId !== userId) continue;
        g.revokedAt = at;
        g.revokedBy = SYNC_ACTOR;
        g.revokeReason = reason;
        revoked.push({ id: g.id, number: g.number, userId, reason });
        audits.push({ actor: by, action: "access.revoke", object: g.number, details: { grant: g.id, user: findUser(userId)?.username ?? userId, reason, sync: run.id } });
      }
    };
    for (const change of plan.changes) {
      const base = { actor: by, details: { sync: run.id } as Record<string, unknown> };
      switch (change.kind) {
        case "department.create":
          data.departments.push({ id: change.departmentId, name: { "zh-CN": change.nameZh, en: change.nameEn }, createdAt: at });
          audits.push({ ...base, action: "directory.department.create", object: `department:${change.departmentId}`, details: { ...base.details, nameZh: change.nameZh, nameEn: change.nameEn, dn: change.dn } });
          break;
        case "department.rename": {
          const d = data.departments.find((x) => x.id === change.departmentId);
          if (d) d.name = { "zh-CN": change.nameZh, en: change.nameEn };
          audits.push({ ...base, action: "directory.department.rename", object: `department:${change.departmentId}`, details: { ...base.details, from: change.from, nameZh: change.nameZh, nameEn: change.nameEn } });
          break;
        }
        case "user.create": {
          const user: User = {
            id: randomUUID(),
            username: change.username,
            name: change.name,
            email: change.email,
            departmentId: change.departmentId,
            roles: change.roles,
            // Directory accounts have no password here: the directory checks it at each sign-in.
            passwordHash: "!directory",
            active: true,
            createdAt: at,
            startDate: at.slice(0, 10),
            identity: { source: "ldap", provider: "ldap", subject: change.subject },
          };
          data.users.push(user);
          byUsernameCreated.set(change.username.toLowerCase(), user);
          audits.push({ ...base, action: "directory.user.create", object: `user:${change.username}`, details: { ...base.details, department: change.departmentId, roles: change.roles, dn: change.dn } });
          break;
        }
        case "user.update": {
          const u = findUser(change.userId);
          if (!u) break;
          const f = change.fields;
          if (f.username) u.username = f.username.to;
          if (f.name) u.name = f.name.to;
          if (f.email) u.email = f.email.to;
          if (f.roles) u.roles = f.roles.to.split(",") as User["roles"];
          if (f.subject && u.identity) u.identity = { ...u.identity, subject: f.subject.to };
          audits.push({ ...base, action: "directory.user.update", object: `user:${u.username}`, details: { ...base.details, fields: f } });
          break;
        }
        case "user.reactivate": {
          const u = findUser(change.userId);
          if (u) u.active = true;
          audits.push({ ...base, action: "directory.user.reactivate", object: `user:${change.username}` });
          break;
        }
        case "user.move": {
          const u = findUser(change.userId);
          if (!u) break;
          u.departmentId = change.to;
          audits.push({ ...base, action: "directory.user.move", object: `user:${u.username}`, details: { ...base.details, from: change.from, to: change.to, grantsRevoked: change.grantIds.length } });
          // Grants were decided for the person in their old department; they ask again from the new one.
          revokeGrants(change.grantIds, u.id, `moved from ${change.from} to ${change.to} (directory sync)`);
          break;
        }
        case "user.deprovision": {
          const u = findUser(change.userId);
          if (!u) break;
          u.active = false;
          const sessions = data.sessions.filter((x) => x.userId === u.id).length;
          const tokens = data.apiTokens.filter((x) => x.userId === u.id).length;
          data.sessions = data.sessions.filter((x) => x.userId !== u.id);
          data.apiTokens = data.apiTokens.filter((x) => x.userId !== u.id);
          for (const d of mutableCollection<{ userId: string; removedAt?: string; removedBy?: string }>(data, "accessDelegates")) {
            if (d.userId === u.id && !d.removedAt) {
              d.removedAt = at;
              d.removedBy = SYNC_ACTOR;
            }
          }
          audits.push({ ...base, action: "directory.user.deprovision", object: `user:${u.username}`, details: { ...base.details, sessionsEnded: sessions, tokensRevoked: tokens, grantsRevoked: change.grantIds.length } });
          revokeGrants(change.grantIds, u.id, "left the company directory (directory sync)");
          const headed = data.departments.filter((d) => d.headUserId === u.id).map((d) => d.id);
          const documents = latest.filter((r) => headed.includes(r.meta.ownerDepartment) && !r.meta.retired).map((r) => r.number);
          const proposals = listProposals({ authorId: u.id, open: true })
            .map((p) => p.id);
          if (documents.length || proposals.length) {
            const flag: DirectoryFlag = { id: randomUUID().slice(0, 8), at, runId: run.id, userId: u.id, username: u.username, kind: "owner-left", documents, proposals };
            mutableCollection<DirectoryFlag>(data, FLAGS).push(flag);
            flagged++;
            audits.push({ ...base, action: "directory.flag", object: `user:${u.username}`, details: { ...base.details, documents, proposals } });
          }
          break;
        }
        case "department.head":
        case "skip":
          break;
      }
      if (change.kind !== "skip") run.done++;
    }
    // Heads last: a new head may have been created above.
    for (const change of plan.changes) {
      if (change.kind === "department.head") {
        const d = data.departments.find((x) => x.id === change.departmentId);
        if (!d) continue;
        const to = change.toSubject
          ? data.users.find((u) => u.identity?.source === "ldap" && u.identity.subject === change.toSubject) ?? byUsernameCreated.get((change.toUsername ?? "").toLowerCase())
          : undefined;
        d.headUserId = to?.id;
        audits.push({ actor: by, action: "directory.department.head", object: `department:${d.id}`, details: { sync: run.id, from: change.fromUsername, to: to?.username } });
      }
      if (change.kind === "skip") {
        audits.push({ actor: by, action: "directory.skip", object: `user:${change.username}`, outcome: "denied", details: { sync: run.id, dn: change.dn, reason: change.reason } });
      }
    }
    audits.push({ actor: by, action: "directory.sync", object: `sync:${run.id}`, details: { mode: run.mode, dryRun: run.dryRunId, ...summary(plan) } });
  });
  try {
    await appendAudits(audits);
  } catch (error) {
    await updateDb((data) => {
      for (const c of COLLECTIONS) (data as unknown as Record<string, unknown>)[c] = JSON.parse(before[c]);
    });
    throw error;
  }
  for (const g of revoked) {
    await emit("access.decided", { requestId: g.id, number: g.number, requesterId: g.userId, decision: "revoked", reason: g.reason });
  }
  return { waitingOn, flagged };
}

/** The account the sync acts as when it re-routes an approval (an administrator's step, decision 070). */
function syncActor(): AuthUser {
  return { id: SYNC_ACTOR, username: SYNC_ACTOR, name: "Directory sync", email: "", departmentId: "", roles: ["admin"], passwordHash: "!", active: true, createdAt: nowIso(), via: "token" };
}

/**
 * Approvals that waited on a leaver: the waiting stage is worked out anew (a
 * new head or the department's other approvers take it at once); a proposal
 * left with nobody is re-routed to the department's head or an administrator.
 */
async function rerouteWaiting(waitingOn: WaitingOn, by: string): Promise<SyncRun["rerouted"]> {
  const out: NonNullable<SyncRun["rerouted"]> = [];
  const stranded = new Map(strandedProposals().map((s) => [s.proposal.id, s]));
  for (const w of waitingOn) {
    const p = listProposals({ status: "in-review" }).find((x) => x.id === w.proposalId);
    if (!p || !p.stage) continue;
    const gap = stranded.get(p.id);
    if (gap) {
      const candidates = rerouteCandidates(p);
      const head = readDb().departments.find((d) => d.id === p.meta.ownerDepartment)?.headUserId;
      const target = candidates.find((u) => u.id === head) ?? candidates.find((u) => u.roles.includes("admin")) ?? candidates[0];
      if (!target) {
        await appendAudit({ actor: by, action: "directory.reroute", object: p.number, outcome: "failed", details: { proposal: p.id, from: w.leaver, reason: "nobody eligible; shown as stranded on the admin page" } });
        continue;
      }
      try {
        await rerouteProposal(syncActor(), p.id, gap.gap.stage, target.username);
        out.push({ proposal: p.id, number: p.number, to: [target.username] });
      } catch (error) {
        await appendAudit({ actor: by, action: "directory.reroute", object: p.number, outcome: "failed", details: { proposal: p.id, from: w.leaver, problem: (error as Error).message } });
      }
      continue;
    }
    const now = currentApprovers(p).map((u) => u.username);
    out.push({ proposal: p.id, number: p.number, to: now });
    await appendAudit({ actor: by, action: "directory.reroute", object: p.number, details: { proposal: p.id, from: w.leaver, to: now } });
  }
  return out;
}

/** Marks a flag as seen by an admin. */
export async function resolveFlag(admin: Pick<User, "username">, id: string): Promise<void> {
  const found = await updateDb((data: Data) => {
    const f = mutableCollection<DirectoryFlag>(data, FLAGS).find((x) => x.id === id && !x.resolvedAt);
    if (!f) return false;
    f.resolvedAt = nowIso();
    f.resolvedBy = admin.username;
    return true;
  });
  if (!found) throw new DomainError("not_found", msg("directory.err.noFlag"));
  await appendAudit({ actor: admin.username, action: "directory.flag.resolve", object: `flag:${id}` });
}

export type { Change, Plan };
