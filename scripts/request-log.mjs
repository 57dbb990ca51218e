// The request log of scripts/serve.mjs: one line per answer in morgan's `tiny`
// format (`GET /docs/ACC-001 200 22431 - 3.412 ms`), written in batches.
//
// A line written per request is a synchronous write to a pipe or terminal
// under load; lines are kept and written together when 64 have gathered or
// 200 ms after the first, and at exit.

/**
 * @param {{ write: (text: string) => unknown }} [out]
 * @param {{ maxLines?: number, maxDelayMs?: number }} [options]
 */
export function requestLog(out = process.stdout, { maxLines = 64, maxDelayMs = 200 } = {}) {
  /** @type {string[]} */
  let lines = [];
  /** @type {NodeJS.Timeout | null} */
  let timer = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!lines.length) return;
    const text = lines.join("\n") + "\n";
    lines = [];
    out.write(text);
  };
  /** @type {import("express").RequestHandler} */
  const middleware = (req, res, next) => {
    const started = process.hrtime.bigint();
    const method = req.method;
    const url = req.originalUrl || req.url;
    res.once("close", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const status = res.headersSent ? String(res.statusCode) : "-";
      const length = res.getHeader("content-length") ?? "-";
      lines.push(`${method} ${url} ${status} ${length} - ${ms.toFixed(3)} ms`);
      if (lines.length >= maxLines) flush();
      else if (!timer) {
        timer = setTimeout(flush, maxDelayMs);
        timer.unref();
      }
    });
    next();
  };
  return { middleware, flush };
}
