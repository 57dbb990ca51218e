/**
 * npm run audit:verify — checks the audit log's hash chain in $DATA_DIR.
 * Exit 0 when intact; exit 1 naming the first broken line (and why) otherwise.
 * Read-only: safe to run while the server is running.
 */
import { auditFile, readAuditHead, verifyAuditChain } from "~/audit/audit.server";

function main() {
  const file = auditFile();
  const result = verifyAuditChain();
  if (result.ok) {
    const head = readAuditHead();
    console.log(`audit log OK: ${result.count} entries, chain intact (${file})`);
    console.log(`latest hash ${result.head}${head ? "" : " (no recorded head yet)"}`);
    process.exit(0);
  }
  console.log(`audit log BROKEN at line ${result.line}: ${result.reason} (${file})`);
  process.exit(1);
}

main();
