/**
 * Panels shown on the home page above the categories, keyed by the provider
 * names registered in app/home.server.ts. Domains add their panel here.
 */
export function HomeExtras({ extras }: { extras: Record<string, unknown> }) {
  void extras;
  return null;
}
