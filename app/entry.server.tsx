import { PassThrough } from "node:stream";
import { randomBytes } from "node:crypto";
import type { AppLoadContext, EntryContext, HandleDataRequestFunction } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { isRouteErrorResponse, RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { boot } from "~/boot.server";
import { shutdown, stopRequested } from "~/utils/lifecycle.server";
import { isCrossSiteRefusal, recordCrossSitePost } from "~/access/refusals.server";
import { ArticleHtmlContext } from "~/components/article-html";
import { NonceContext } from "~/components/nonce";
import type { ArticleLoadContext } from "~/web/article-html.server";
import { securityHeaders } from "~/utils/headers.server";
import { cachedPage, earlyKey, earlyPage, keepTemplate, templateNonce } from "~/web/page-cache.server";
import { noteChangeDone } from "~/utils/changes.server";
import { RETRY_AFTER_SECONDS } from "~/web/http.server";
import { addressedHost, FORWARDED_HEADERS, isOwnOrigin } from "~/utils/origin.server";
import { translate } from "~/i18n/i18n";
import { requestLocale, withRequestLanguage } from "~/i18n/request-locale.server";

// For scripts/serve.mjs: it answers cross-site posts itself (403) by the app's origin rule and
// records them through recordCrossSitePost; it calls stopRequested at SIGTERM and shutdown after
// its last answer. It runs each request inside withRequestLanguage, so that messages made far
// from a route (domain errors, form checks) are written in the reader's language.
// It asks cachedPage first for the daily reader pages (decision 105), and before any routing
// earlyPage, for a page the same reader was just served (decision 127); every finished form post
// counts as a change there (noteChangeDone).
export {
  addressedHost,
  cachedPage,
  earlyKey,
  earlyPage,
  FORWARDED_HEADERS,
  isOwnOrigin,
  noteChangeDone,
  recordCrossSitePost,
  shutdown,
  stopRequested,
  withRequestLanguage,
};

export const streamTimeout = 5_000;

try {
  await boot();
} catch (error) {
  console.error(`[regula] cannot start: ${(error as Error).message}`);
  process.exit(1);
}

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  // A page the page cache will keep is rendered whole with marker values, then filled (decision 105).
  const ctx = remixContext.staticHandlerContext;
  // Once the root loader has put markers in the data, the page is always filled before it leaves;
  // it is kept only when it is a whole, plain 200 page.
  const template = templateNonce(loadContext);
  const nonce = template ?? randomBytes(16).toString("base64");
  const waitForAll = !!template || isbot(request.headers.get("user-agent") || "");
  let finished = () => {};
  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <NonceContext.Provider value={nonce}>
        <ArticleHtmlContext.Provider value={(loadContext as ArticleLoadContext | undefined)?.articles ?? null}>
          <RemixServer context={remixContext} url={request.url} abortDelay={streamTimeout} nonce={nonce} />
        </ArticleHtmlContext.Provider>
      </NonceContext.Provider>,
      {
        nonce,
        [waitForAll ? "onAllReady" : "onShellReady"]() {
          shellRendered = true;
          // Routes without a `headers` export do not pass loader headers to the page: a loader
          // (or thrown error) that asked for no-store — restricted documents — decides for the page.
          const asked = [...Object.values(ctx.loaderHeaders ?? {}), ...Object.values(ctx.actionHeaders ?? {})];
          if (asked.some((h) => /no-store/i.test(h.get("Cache-Control") ?? ""))) responseHeaders.set("Cache-Control", "private, no-store");
          responseHeaders.set("Content-Type", "text/html; charset=utf-8");
          // A page that could not be done for now (the shared database or repository is unreachable) says when to try again.
          if (responseStatusCode === 503 && !responseHeaders.has("Retry-After")) responseHeaders.set("Retry-After", RETRY_AFTER_SECONDS);
          if (template) {
            const chunks: Buffer[] = [];
            const sink = new PassThrough();
            sink.on("data", (chunk: Buffer) => chunks.push(chunk));
            sink.once("end", () => {
              finished();
              const routes = ctx.matches.map((m) => ({ id: m.route.id, data: ctx.loaderData?.[m.route.id], headers: ctx.loaderHeaders?.[m.route.id] }));
              const page = keepTemplate(
                {
                  version: remixContext.manifest.version,
                  url: request.url,
                  routes,
                  context: loadContext,
                  keep: responseStatusCode === 200 && !ctx.errors && !responseHeaders.has("Set-Cookie"),
                },
                Buffer.concat(chunks).toString("utf8"),
                responseHeaders,
              );
              resolve(new Response(page.html, { headers: page.headers, status: responseStatusCode }));
            });
            pipe(sink);
            return;
          }
          const body = new PassThrough();
          body.once("end", () => finished());
          body.once("close", () => finished());
          const stream = createReadableStreamFromReadable(body);
          securityHeaders(responseHeaders, nonce);
          resolve(new Response(stream, { headers: responseHeaders, status: responseStatusCode }));
          pipe(body);
        },
        onShellError(error: unknown) {
          finished();
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          if (shellRendered) console.error(error);
        },
      },
    );
    // Abort a render that is still streaming after the deadline. Cleared as soon as the
    // answer is complete, so that no finished request keeps its render (or the process) alive.
    const deadline = setTimeout(abort, streamTimeout + 1000);
    deadline.unref();
    finished = () => clearTimeout(deadline);
  });
}

export const handleDataRequest: HandleDataRequestFunction = (response, { request }) => {
  // The portal's pages load their data through single fetch (`.data`); the older `?_data=` protocol
  // is not spoken here (the framework would answer it with a 500). Say so in the documented shape.
  if (new URL(request.url).searchParams.has("_data")) {
    const headers = new Headers({ "Content-Type": "application/json; charset=utf-8", "Cache-Control": "private, no-store" });
    securityHeaders(headers);
    const message = translate(requestLocale() ?? "en", "error.legacyData");
    return new Response(JSON.stringify({ error: { code: "bad_request", message } }), { status: 400, headers });
  }
  // Route data is per signed-in user (and may hold restricted text): never stored by any cache.
  response.headers.set("Cache-Control", "private, no-store");
  if (response.status === 503 && !response.headers.has("Retry-After")) response.headers.set("Retry-After", RETRY_AFTER_SECONDS);
  securityHeaders(response.headers);
  return response;
};

export function handleError(error: unknown, { request }: { request: Request }) {
  if (request.signal.aborted) return;
  if (error instanceof Response) return;
  // A client's mistake (no such address, a method a page does not take) is answered, not logged as a fault.
  if (isRouteErrorResponse(error) && error.status < 500) return;
  // `?_data=` requests are answered 400 by handleDataRequest; the framework's warnings about them are noise.
  if (new URL(request.url).searchParams.has("_data")) return;
  // Behind another server than scripts/serve.mjs, Remix itself refuses cross-site posts (empty 500): recorded.
  if (isCrossSiteRefusal(error)) return void recordCrossSitePost(request);
  console.error(error);
}
