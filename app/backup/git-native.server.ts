/**
 * Native git for what isomorphic-git cannot do: bundles (backups and
 * restores) and checks. Only read commands run against the live repository;
 * every command that writes works on a private temporary repository.
 */
import { execFile } from "node:child_process";

export class GitCommandError extends Error {
  code = "unavailable" as const;
  constructor(
    message: string,
    public stderr: string,
  ) {
    super(message);
  }
}

/** Runs `git <args>` and resolves with stdout; rejects with stderr in the message. */
export function git(args: string[], options: { cwd?: string; input?: string; maxBuffer?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      ["-c", "safe.directory=*", "-c", "core.hooksPath=/dev/null", ...args],
      {
        cwd: options.cwd,
        maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024,
        env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" },
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "ENOENT") {
            reject(new GitCommandError("Native git is not installed (it is needed for backups); install git and try again.", ""));
            return;
          }
          reject(new GitCommandError(`git ${args[0]} failed: ${(stderr || error.message).trim().split("\n").slice(-3).join(" ")}`, stderr));
        } else resolve(stdout);
      },
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** Every ref of a repository with its object id (HEAD excluded). */
export async function readRefs(gitdir: string): Promise<Record<string, string>> {
  const out = await git(["--git-dir", gitdir, "for-each-ref", "--format=%(objectname) %(refname)"]);
  const refs: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const m = /^([0-9a-f]{40}) (\S+)$/.exec(line.trim());
    if (m) refs[m[2]] = m[1];
  }
  return refs;
}
