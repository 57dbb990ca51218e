import { vitePlugin as remix } from "@remix-run/dev";
import { defineConfig } from "vite";
import tsconfigPaths from "vite-tsconfig-paths";

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

// REGULA_BUILD_DIR lets the test suite build into its own folder without
// disturbing a running portal's build/.
export default defineConfig({
  plugins: [
    remix({
      buildDirectory: process.env.REGULA_BUILD_DIR || "build",
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_singleFetch: true,
        v3_lazyRouteDiscovery: true,
      },
    }),
    tsconfigPaths(),
  ],
  build: { target: "es2022" },
  server: { port: Number(process.env.PORT) || 3000 },
});
