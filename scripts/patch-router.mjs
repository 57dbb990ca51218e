#!/usr/bin/env node
// Runs after `npm install` / `npm ci` (package.json "postinstall").
//
// @remix-run/router matches a URL by flattening and ranking the whole route
// table and compiling every route pattern into a regular expression, on every
// call; a Remix page request calls it several times. With the portal's ~150
// routes that is about a fifth of the server's CPU time per page
// (docs/decisions/065-own-http-server.md). On the server the route table never
// changes, so this adds two caches to the server-side (CommonJS) build of the
// router: ranked branches per routes array, and compiled patterns per pattern.
// The browser bundle uses the ES module build, which is left as it is (there,
// lazy route discovery adds routes to the table in place).
//
// Idempotent; a router version whose code does not match is left alone with a
// warning (the portal works the same, only slower).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const file = path.join(root, "node_modules/@remix-run/router/dist/router.cjs.js");
export const MARKER = "/* regula: route-match caches */";

const edits = [
  {
    what: "ranked branches per routes array",
    from: `  let branches = flattenRoutes(routes);
  rankRouteBranches(branches);
  let matches = null;`,
    to: `  let branches = regulaBranchCache.get(routes);
  if (!branches) {
    branches = flattenRoutes(routes);
    rankRouteBranches(branches);
    regulaBranchCache.set(routes, branches);
  }
  let matches = null;`,
  },
  {
    what: "compiled patterns",
    from: `  let [matcher, compiledParams] = compilePath(pattern.path, pattern.caseSensitive, pattern.end);`,
    to: `  let regulaKey = (pattern.caseSensitive ? "1" : "0") + (pattern.end === false ? "0" : "1") + pattern.path;
  let regulaCompiled = regulaPathCache.get(regulaKey);
  if (!regulaCompiled) {
    regulaCompiled = compilePath(pattern.path, pattern.caseSensitive, pattern.end);
    if (regulaPathCache.size < 5000) regulaPathCache.set(regulaKey, regulaCompiled);
  }
  let [matcher, compiledParams] = regulaCompiled;`,
  },
];

export function patchRouter({ quiet = false } = {}) {
  if (!fs.existsSync(file)) {
    if (!quiet) console.warn(`[patch-router] ${path.relative(root, file)} not found; nothing to do`);
    return false;
  }
  let text = fs.readFileSync(file, "utf8");
  if (text.includes(MARKER)) return true;
  for (const edit of edits) {
    if (text.split(edit.from).length !== 2) {
      console.warn(`[patch-router] this @remix-run/router does not have the expected code for ${edit.what}; left unchanged (pages are served, only slower)`);
      return false;
    }
  }
  for (const edit of edits) text = text.replace(edit.from, edit.to);
  text = text.replace(
    "'use strict';",
    `'use strict';\n${MARKER}\nconst regulaBranchCache = new WeakMap();\nconst regulaPathCache = new Map();`,
  );
  if (!text.includes(MARKER)) {
    console.warn("[patch-router] no 'use strict' prologue found; left unchanged");
    return false;
  }
  fs.writeFileSync(file, text);
  if (!quiet) console.log("[patch-router] @remix-run/router (server build): route-match caches added");
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) patchRouter();
