/**
 * Publishes two generated editions of a regulation (tests/fixtures/editions.ts)
 * as two new versions of one document, through the portal's own publishVersion,
 * for the "diffs of regulation-sized editions" benchmark. Prints one JSON line.
 */
const number = process.argv[2];

async function main() {
  const { boot } = await import("~/boot.server");
  await boot();
  const { publishVersion, readVersionContent } = await import("~/documents/documents.server");
  const { latestVersion } = await import("~/documents/version-index.server");
  const { lawEditions } = await import("../../tests/fixtures/editions");
  const pair = lawEditions();
  const versions: number[] = [];
  for (const [i, body] of [pair.old, pair.new].entries()) {
    const current = latestVersion(number)!;
    const { meta } = await readVersionContent(current);
    const published = await publishVersion({
      number,
      meta,
      body,
      author: { username: "editor", name: "王编辑", email: "editor@regula.example" },
      change: "major",
      summary: i === 0 ? "示范公司法（旧版）" : "示范公司法（修订）",
      approvedBy: ["approver"],
      expectedVersion: current.version,
    });
    versions.push(published.version);
  }
  const bytes = Buffer.byteLength(pair.old);
  process.stdout.write(JSON.stringify({ number, from: versions[0], to: versions[1], oldBytes: bytes, newBytes: Buffer.byteLength(pair.new), changes: pair.changes }) + "\n");
  process.exit(0);
}

main().catch((error) => {
  console.error(`diff editions worker: ${(error as Error).stack ?? error}`);
  process.exit(1);
});

export {};
