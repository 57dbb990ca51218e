/**
 * The shared git remote (GIT_REMOTE, decision 111), used only by
 * repo.server.ts. isomorphic-git has no file:// or ssh transport, so fetch and
 * push run the git command line. Every branch of the local repository mirrors
 * the remote's: a fetch force-updates them (the local repository never holds
 * a change the remote has not accepted), and a push names the commit it
 * expects to replace (a lease), so two instances can never overwrite each
 * other's commits.
 */
import { spawn } from "node:child_process";
import { DomainError, msg } from "~/utils/errors.server";
import { getEnv } from "~/utils/env.server";

/** How long one fetch or push may take before it is given up (a remote that hangs is a remote that is down). */
const TIMEOUT_MS = 30_000;

/** The remote could not be reached or refused for a reason other than a moved branch: nothing was published (503). */
export class RemoteUnavailableError extends DomainError {
  constructor(problem: string) {
    super("unavailable", msg("error.sharedRepoUnavailable"), { problem });
  }
}

/** The remote branch was not where this instance expected it: nothing was published (409). */
export class RemoteMovedError extends DomainError {
  constructor(
    public ref: string,
    problem: string,
  ) {
    super("conflict", msg("error.sharedRepoMoved"), { ref, problem });
  }
}

export function remoteUrl(): string | null {
  return getEnv().GIT_REMOTE ?? null;
}

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runGit(gitdir: string, args: string[]): Promise<GitResult> {
  return new Promise((resolve) => {
    // gc.auto=0, maintenance.auto=false: a fetch never packs the refs or prunes objects behind the
    // portal's back (nor starts one more process to consider it).
    const child = spawn("git", ["-c", "gc.auto=0", "-c", "maintenance.auto=false", "--git-dir", gitdir, ...args], {
      env: {
        ...process.env,
        GIT_TERMINAL_PROMPT: "0",
        // A remote over ssh never waits for a password or a host-key question.
        GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? "ssh -o BatchMode=yes -o ConnectTimeout=10",
        LC_ALL: "C",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d.toString()));
    child.stderr.on("data", (d) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += `\ngit ${args[0]} did not finish in ${TIMEOUT_MS / 1000} s`;
      child.kill("SIGKILL");
    }, TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}\n${error.message}` });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

function firstLines(text: string): string {
  return text.trim().split("\n").slice(-3).join(" ").slice(0, 400);
}

/**
 * Brings every local branch level with the remote (new, moved and deleted
 * branches). Called under the repository lock.
 */
export async function fetchAll(gitdir: string): Promise<void> {
  const url = remoteUrl();
  if (!url) return;
  const result = await runGit(gitdir, ["fetch", "--prune", "--no-tags", "--no-write-fetch-head", "--quiet", url, "+refs/heads/*:refs/heads/*"]);
  if (result.code !== 0) throw new RemoteUnavailableError(firstLines(result.stderr));
}

/** The commit a branch holds on the remote, or null when the remote does not have it. */
export async function remoteHead(gitdir: string, ref: string): Promise<string | null> {
  const url = remoteUrl();
  if (!url) return null;
  const result = await runGit(gitdir, ["ls-remote", "--heads", url, ref]);
  if (result.code !== 0) throw new RemoteUnavailableError(firstLines(result.stderr));
  const line = result.stdout.split("\n").find((l) => l.endsWith(`\t${ref}`));
  return line ? line.split("\t")[0] : null;
}

/** Fetches one remote branch into a private ref (to compare it with the local one before anything moves). */
export async function fetchInto(gitdir: string, ref: string, into: string): Promise<void> {
  const url = remoteUrl();
  if (!url) return;
  const result = await runGit(gitdir, ["fetch", "--no-tags", "--no-write-fetch-head", "--quiet", url, `+${ref}:${into}`]);
  if (result.code !== 0) throw new RemoteUnavailableError(firstLines(result.stderr));
}

/** Pushes every local branch to a remote that has none of them (an installation's first use of GIT_REMOTE). */
export async function pushAllBranches(gitdir: string): Promise<void> {
  const url = remoteUrl();
  if (!url) return;
  const result = await runGit(gitdir, ["push", "--quiet", url, "refs/heads/*:refs/heads/*"]);
  if (result.code !== 0) throw new RemoteUnavailableError(firstLines(`${result.stdout}\n${result.stderr}`));
}

/**
 * Moves (or creates, or with `to` null deletes) a branch on the remote, only
 * if it still points at `expected` (null: only if it does not exist yet).
 */
export async function pushRef(gitdir: string, ref: string, to: string | null, expected: string | null): Promise<void> {
  const url = remoteUrl();
  if (!url) return;
  const lease = `--force-with-lease=${ref}:${expected ?? ""}`;
  const spec = to ? `${to}:${ref}` : `:${ref}`;
  const result = await runGit(gitdir, ["push", "--porcelain", "--quiet", lease, url, spec]);
  if (result.code === 0) return;
  const said = `${result.stdout}\n${result.stderr}`;
  if (/stale info|\[rejected\]|non-fast-forward|fetch first|\(stale/.test(said)) throw new RemoteMovedError(ref, firstLines(said));
  throw new RemoteUnavailableError(firstLines(said));
}
