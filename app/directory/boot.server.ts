/**
 * The company directory at start-up: LDAP settings are checked (a wrong one
 * stops the start with every problem listed), directory sign-in is switched
 * on, and the scheduled sync runs every LDAP_SYNC_INTERVAL_MINUTES.
 */
import { registerDirectorySignIn } from "~/access/external-sign-in.server";
import { ldapSettings } from "~/access/ldap-settings.server";
import { addAdminFigure } from "~/admin.server";
import { registerJob } from "~/utils/scheduler.server";
import { signInWithDirectory } from "./sign-in.server";
import { listRuns, openFlags, startApply, SYNC_ACTOR } from "./sync.server";

const settings = ldapSettings();
registerDirectorySignIn(settings ? signInWithDirectory : null);

if (settings && settings.LDAP_SYNC_INTERVAL_MINUTES > 0) {
  // Plans and applies in one go; a run that would disable too many people stops and waits for an admin.
  registerJob(
    "directory-sync",
    async () => {
      const { finished } = await startApply(SYNC_ACTOR, undefined, false);
      const run = await finished;
      if (run.status === "failed") console.warn(`[directory] scheduled sync failed: ${run.error?.text}`);
      if (run.status === "needs-confirmation") console.warn(`[directory] scheduled sync stopped: it would disable ${run.plan?.disabling} account(s); confirm on /admin/directory`);
    },
    settings.LDAP_SYNC_INTERVAL_MINUTES * 60,
  );
}

addAdminFigure("/admin/directory", () => {
  if (!settings) return "—";
  const last = listRuns()[0];
  const flags = openFlags().length;
  return `${last ? last.status : "—"}${flags ? ` · ${flags} ⚑` : ""}`;
});
