/**
 * The layer rule (decision 083): a module imports only from its own layer or
 * the layers below it, and nothing imports in a circle. `npm run check:layers`
 * and `npm test` run this; tests/unit/layers.test.ts shows it refusing an
 * upward import.
 *
 * Layers, bottom to top. A module belongs to the first layer whose pattern
 * matches it, except that every boot module (app/boot.server.ts, a folder's
 * boot.server.ts) and the demo seed belong to the boot layer.
 */
const BOOT = ["^app/boot\\.server\\.ts$", "^app/[^/]+/boot\\.server\\.ts$", "^app/demo/"];

const LAYERS = [
  { name: "utils", paths: ["^app/utils/", "^app/i18n/", "^app/cluster/"] },
  { name: "storage", paths: ["^app/audit/", "^app/data/"] },
  { name: "org", paths: ["^app/org/"] },
  { name: "documents", paths: ["^app/documents/"] },
  { name: "access", paths: ["^app/access/", "^app/web/"] },
  { name: "reading", paths: ["^app/reading/"] },
  { name: "hooks", paths: ["^app/(admin|health|home|shell)\\.server\\.ts$"] },
  {
    name: "domains",
    paths: ["^app/(revisions|notifications|search|onboarding|import|consolidation|backup|dashboard|print|components|directory|attachments|downloads|editor)/"],
  },
  { name: "boot", paths: BOOT },
  { name: "routes", paths: ["^app/routes/", "^app/root\\.tsx$", "^app/entry\\.(client|server)\\.tsx$"] },
];

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.name}-imports-upward`,
  comment:
    `A module in the ${layer.name} layer imports from a layer above it (` +
    LAYERS.slice(i + 1).map((l) => l.name).join(", ") +
    "). Move the code down, or the import up: see docs/decisions/083-layers.md.",
  severity: "error",
  from: { path: layer.paths, ...(layer.name === "boot" ? {} : { pathNot: BOOT }) },
  to: { path: LAYERS.slice(i + 1).flatMap((l) => l.paths) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: "no-circular",
      comment: "Modules that import each other in a circle: one of them belongs below the other.",
      severity: "error",
      from: { path: "^app/" },
      to: { circular: true },
    },
    {
      name: "boot-modules-only-from-the-wiring",
      comment: "A folder's boot.server.ts is imported only by app/boot.server.ts, the one wiring module.",
      severity: "error",
      from: { path: "^app/", pathNot: "^app/boot\\.server\\.ts$" },
      to: { path: "^app/[^/]+/boot\\.server\\.ts$" },
    },
    {
      name: "module-outside-the-layers",
      comment: "Every module under app/ belongs to a layer: add its folder to a layer in .dependency-cruiser.cjs.",
      severity: "error",
      from: { path: "^app/", pathNot: LAYERS.flatMap((l) => l.paths) },
      to: {},
    },
  ],
  options: {
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["node_modules", "\\.css"] },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js", ".mjs"] },
  },
};
