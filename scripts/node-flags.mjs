// Node options the portal's server process is started with (npm start and the benchmark).
//
// The heap limit keeps resident memory bounded: without it V8 lets a busy server's
// heap grow to several times what is live before collecting (about 900 MB resident
// on the 10,000-document benchmark corpus, against ~220 MB live).

export const DEFAULT_HEAP_MB = 1024;

/**
 * `--max-old-space-size` from REGULA_HEAP_MB (unless NODE_OPTIONS already sets one).
 * @param {Record<string, string | undefined>} [env]
 * @returns {string[]}
 */
export function serverNodeArgs(env = process.env) {
  if (/--max-old-space-size/.test(env.NODE_OPTIONS ?? "")) return [];
  const raw = env.REGULA_HEAP_MB?.trim();
  const mb = raw ? Number(raw) : DEFAULT_HEAP_MB;
  if (!Number.isInteger(mb) || mb < 256) {
    throw new Error(`REGULA_HEAP_MB must be a whole number of megabytes, at least 256 (got "${raw}")`);
  }
  return [`--max-old-space-size=${mb}`];
}
