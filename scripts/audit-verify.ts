/**
 * npm run audit:verify — checks the audit log in $DATA_DIR:
 * 1. the hash chain, line by line;
 * 2. the signed head (audit.head, HMAC with AUDIT_KEY / AUDIT_KEY_FILE): present whenever the
 *    log holds entries, signed with this installation's key, and reached by the log;
 * 3. the anchors outside the log: the Audit-head trailer of every publication on main and the
 *    audit anchor of every backup manifest in BACKUP_DIR must name entries the log holds.
 * Prints one line per check; exit 0 when all hold, exit 1 naming each problem otherwise.
 * Read-only: safe to run while the server is running.
 */
import { auditFile, auditKey, verifyAuditChain } from "~/audit/audit.server";
import { checkAuditAnchors } from "~/backup/audit-anchors.server";

async function main() {
  const file = auditFile();
  let failed = false;
  // Read-only: a missing key file is reported, not created.
  const key = auditKey({ create: false });
  if (key.fallback) console.log(`note: AUDIT_KEY and AUDIT_KEY_FILE are not set; the head is checked with the key in ${key.source}`);

  const chain = verifyAuditChain();
  if (chain.ok) {
    console.log(`audit log OK: ${chain.count} entries, chain intact (${file})`);
    console.log(`signed head OK: entry ${chain.count} (key ${chain.signedBy}), latest hash ${chain.head}`);
  } else {
    failed = true;
    console.log(`audit log BROKEN at line ${chain.line}: ${chain.reason} (${file})`);
  }

  const anchors = await checkAuditAnchors();
  const describe = (name: string, source: (typeof anchors)["repository"], none: string) => {
    if (source.problems.length) {
      failed = true;
      console.log(`${name} DISAGREES with the audit log (${source.problems.length} of ${source.anchors} anchors):`);
      for (const p of source.problems.slice(0, 20)) console.log(`  ${p}`);
      if (source.problems.length > 20) console.log(`  … and ${source.problems.length - 20} more`);
    } else if (!source.anchors) {
      console.log(`${name}: ${none}`);
    } else {
      console.log(`${name} OK: ${source.anchors} anchors agree with the log; the newest is entry ${source.newest!.seq} in ${source.newest!.where}`);
    }
  };
  describe("repository", anchors.repository, "no publication records an audit anchor yet");
  describe(`backups (${anchors.backups.dir})`, anchors.backups, "no backup records an audit anchor yet");

  console.log(failed ? "audit verification FAILED" : "audit verification passed");
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.log(`audit verification could not run: ${(error as Error).message}`);
  process.exit(2);
});
