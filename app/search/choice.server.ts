/**
 * The choice of search engine and the state of the running one: Meilisearch
 * when MEILI_HOST is set and reachable, otherwise the embedded engine; whether
 * the index is still loading or catching up.
 */
import path from "node:path";
import { getEnv } from "~/utils/env.server";
import { searchDir, type SearchEngine } from "./engine.server";

let chosen: SearchEngine | null = null;
let fallbackReason: string | null = null;

/**
 * Picks the engine once per process: Meilisearch when MEILI_HOST is set and
 * answers its health check, otherwise the embedded engine (with a clear
 * message when Meilisearch was configured but unreachable).
 */
export async function chooseEngine(options: { log?: (line: string) => void } = {}): Promise<SearchEngine> {
  if (chosen) return chosen;
  const log = options.log ?? ((line: string) => console.log(line));
  const env = getEnv();
  if (env.MEILI_HOST) {
    const { MeiliEngine } = await import("./meili.server");
    const meili = new MeiliEngine({ host: env.MEILI_HOST, apiKey: env.MEILI_API_KEY });
    const health = await meili.health();
    if (health.ok) {
      chosen = meili;
      fallbackReason = null;
      return meili;
    }
    fallbackReason = `Meilisearch is not reachable (${String(health.error ?? "no answer")}); the embedded engine is in use`;
    log(
      `[search] Meilisearch at ${env.MEILI_HOST} is not reachable (${String(health.error ?? "no answer")}); ` +
        `using the embedded engine instead. Restart the portal once Meilisearch is up.`,
    );
  }
  const { EmbeddedEngine } = await import("./embedded.server");
  chosen = new EmbeddedEngine({ file: path.join(searchDir(), "embedded.json") });
  return chosen;
}

let readiness: Promise<unknown> = Promise.resolve();
let loading = false;
let catchUp: CatchUpProgress | null = null;

/** How far the index is in bringing itself level with the repository. */
export interface CatchUpProgress {
  /** Documents indexed so far in this catch-up. */
  done: number;
  /** Documents to index in this catch-up. */
  total: number;
}

/**
 * The index is brought level with the repository after the server has started
 * listening. `usable` resolves once searches can answer (the saved index is
 * loaded, or an empty one is being filled); until then they wait for it.
 */
export function setSearchReadiness(usable: Promise<unknown>) {
  loading = true;
  readiness = usable.then(
    () => (loading = false),
    () => (loading = false),
  );
}

/** Resolves once searches can answer (possibly from an index that is still catching up). */
export function whenSearchReady(): Promise<unknown> {
  return readiness;
}

/** True while the saved index is still being read. */
export function searchLoading(): boolean {
  return loading;
}

/** Records catch-up progress (null once the index is level with the repository). */
export function setCatchUpProgress(progress: CatchUpProgress | null) {
  catchUp = progress && progress.done < progress.total ? { ...progress } : null;
}

/** Progress of a catch-up in progress, or null when the index is level with the repository. */
export function catchUpProgress(): CatchUpProgress | null {
  return catchUp;
}

export function currentEngine(): SearchEngine {
  if (!chosen) throw new Error("Search is not started: the search boot step has not run");
  return chosen;
}

export function engineFallbackReason(): string | null {
  return fallbackReason;
}

export function resetEngineForTests() {
  chosen = null;
  fallbackReason = null;
  catchUp = null;
}
