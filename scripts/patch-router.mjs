#!/usr/bin/env node
// Runs after `npm install` / `npm ci` (package.json "postinstall").
//
// @remix-run/router matches a URL by flattening and ranking the whole route
// table and compiling every route pattern into a regular expression, on every
// call; a Remix page request calls it several times. With the portal's ~150
// routes that is about a fifth of the server's CPU time per page
// (docs/decisions/065-own-http-server.md). On the server the route table never
// changes, so this adds caches to the server-side (CommonJS) builds:
// - @remix-run/router: ranked branches per routes array, and compiled patterns
//   per pattern, and match results per routes array and path (copied out,
//   so a caller cannot change what the next one gets);
// - @remix-run/react's <RemixServer>: the React route objects it builds from
//   the build's manifest and route modules, once per build instead of per page
//   (decision 076);
// - react-router-dom's createStaticRouter: the data routes it derives from
//   those, once per routes array, so the router's branch cache above is hit by
//   the render and by lazy route discovery's partial manifest.
// The browser bundles use the ES module builds, which are left as they are
// (there, lazy route discovery adds routes to the table in place).
//
// Idempotent; a package version whose code does not match is left alone with a
// warning (the portal works the same, only slower).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const MARKER = "/* regula: route-match caches v2 */";
// What the first version of this script wrote into @remix-run/router (undone before patching again).
const LEGACY_MARKER = "/* regula: route-match caches */";

export const targets = [
  {
    name: "@remix-run/router (server build)",
    file: "node_modules/@remix-run/router/dist/router.cjs.js",
    prologue: `const regulaBranchCache = new WeakMap();\nconst regulaPathCache = new Map();\nconst regulaMatchCache = new WeakMap();
function regulaCopyMatches(matches) {
  return matches && matches.map((m) => ({ ...m, params: { ...m.params } }));
}`,
    legacyPrologue: `const regulaBranchCache = new WeakMap();\nconst regulaPathCache = new Map();`,
    edits: [
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
        what: "match results per routes array and path",
        legacy: false,
        from: `  let decoded = decodePath(pathname);
  for (let i = 0; matches == null && i < branches.length; ++i) {`,
        to: `  let decoded = decodePath(pathname);
  let regulaResults = regulaMatchCache.get(routes);
  if (!regulaResults) {
    regulaResults = new Map();
    regulaMatchCache.set(routes, regulaResults);
  }
  let regulaMatchKey = (allowPartial ? "1" : "0") + decoded;
  let regulaKnown = regulaResults.get(regulaMatchKey);
  if (regulaKnown !== undefined) return regulaCopyMatches(regulaKnown);
  for (let i = 0; matches == null && i < branches.length; ++i) {`,
      },
      {
        what: "match results kept",
        legacy: false,
        from: `    matches = matchRouteBranch(branches[i], decoded, allowPartial);
  }
  return matches;
}`,
        to: `    matches = matchRouteBranch(branches[i], decoded, allowPartial);
  }
  if (regulaResults.size >= 5000) regulaResults.clear();
  regulaResults.set(regulaMatchKey, regulaCopyMatches(matches));
  return matches;
}`,
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
    ],
  },
  {
    name: "@remix-run/react (server rendering)",
    file: "node_modules/@remix-run/react/dist/server.js",
    // Keyed by the build's manifest routes; reused while every route module is the same object
    // (always in production; a development server's reloaded module makes a new entry).
    prologue: `const regulaServerRoutes = new WeakMap();
function regulaCachedServerRoutes(manifestRoutes, routeModules, future, isSpaMode) {
  let hit = regulaServerRoutes.get(manifestRoutes);
  if (hit && hit.future === future && hit.isSpaMode === isSpaMode && Object.keys(manifestRoutes).every((id) => hit.modules[id] === routeModules[id])) return hit.routes;
  let routes$1 = routes.createServerRoutes(manifestRoutes, routeModules, future, isSpaMode);
  regulaServerRoutes.set(manifestRoutes, { routes: routes$1, modules: { ...routeModules }, future, isSpaMode });
  return routes$1;
}`,
    edits: [
      {
        what: "server routes per build",
        from: `  let routes$1 = routes.createServerRoutes(manifest.routes, routeModules, context.future, context.isSpaMode);`,
        to: `  let routes$1 = regulaCachedServerRoutes(manifest.routes, routeModules, context.future, context.isSpaMode);`,
      },
    ],
  },
  {
    name: "react-router-dom (static router)",
    file: "node_modules/react-router-dom/server.js",
    prologue: `const regulaDataRoutes = new WeakMap();`,
    edits: [
      {
        what: "data routes per routes array",
        from: `  let manifest = {};
  let dataRoutes = router.UNSAFE_convertRoutesToDataRoutes(routes, reactRouter.UNSAFE_mapRouteProperties, undefined, manifest);`,
        to: `  let regulaHit = regulaDataRoutes.get(routes);
  if (!regulaHit) {
    let manifest = {};
    regulaHit = { manifest, dataRoutes: router.UNSAFE_convertRoutesToDataRoutes(routes, reactRouter.UNSAFE_mapRouteProperties, undefined, manifest) };
    regulaDataRoutes.set(routes, regulaHit);
  }
  let { manifest, dataRoutes } = regulaHit;`,
      },
    ],
  },
];

function patchOne(target, quiet) {
  const file = path.join(root, target.file);
  if (!fs.existsSync(file)) {
    if (!quiet) console.warn(`[patch-router] ${target.file} not found; nothing to do`);
    return false;
  }
  let text = fs.readFileSync(file, "utf8");
  if (text.includes(MARKER)) return true;
  if (text.includes(LEGACY_MARKER)) {
    // Patched by the first version of this script: back to the package's code first.
    text = text.replace(`\n${LEGACY_MARKER}\n${target.legacyPrologue ?? target.prologue}`, "");
    for (const edit of target.edits) if (edit.legacy !== false) text = text.replace(edit.to, edit.from);
  }
  for (const edit of target.edits) {
    if (text.split(edit.from).length !== 2) {
      console.warn(`[patch-router] this ${target.name} does not have the expected code for ${edit.what}; left unchanged (pages are served, only slower)`);
      return false;
    }
  }
  for (const edit of target.edits) text = text.replace(edit.from, edit.to);
  if (!text.includes("'use strict';")) {
    console.warn(`[patch-router] ${target.name}: no 'use strict' prologue found; left unchanged`);
    return false;
  }
  text = text.replace("'use strict';", `'use strict';\n${MARKER}\n${target.prologue}`);
  fs.writeFileSync(file, text);
  if (!quiet) console.log(`[patch-router] ${target.name}: caches added`);
  return true;
}

/** Patches every target; true when all of them carry the caches. */
export function patchRouter({ quiet = false } = {}) {
  let all = true;
  for (const target of targets) all = patchOne(target, quiet) && all;
  return all;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) patchRouter();
