/**
 * A writer for the fault tests: boots the portal's domain code on DATA_DIR
 * exactly as the server does, then publishes revisions one after another
 * (new documents and revisions of them), printing a line before each attempt
 * and one after each publication that returned. The test kills it with
 * SIGKILL at random moments; every "OK" line is a publication reported done.
 *
 * Usage: tsx tests/integration/faults-worker.ts <prefix e.g. MON-9> <documents> <total>
 * It continues from what the repository already holds, so it can be
 * restarted after a kill. With "once" as a 4th argument it attempts a single
 * publication and reports its error (for full-disk tests). FAULT_OWNER and
 * FAULT_CONFIDENTIALITY set the new documents' owner department and confidentiality.
 */
const [prefix = "MON-9", docsArg = "10", totalArg = "100", mode = ""] = process.argv.slice(2);
const documents = Number(docsArg);
const total = Number(totalArg);

async function main() {
  const { boot } = await import("~/boot.server");
  // The test may kill the writer from here on, while it starts (index catch-up after an earlier kill).
  console.log("BOOT");
  await boot();
  const { publishVersion, readVersionContent } = await import("~/documents/documents.server");
  const { latestVersion, versionsOf } = await import("~/documents/version-index.server");
  const { claimNumber, isReserved } = await import("~/documents/numbering.server");
  const numbers = Array.from({ length: documents }, (_, i) => `${prefix}${String(i).padStart(2, "0")}`);
  const published = () => numbers.reduce((n, num) => n + versionsOf(num).length, 0);
  console.log(`READY ${published()}`);
  for (let done = published(); done < total; done = published()) {
    // Round-robin: the document with the fewest versions goes next.
    const number = numbers.reduce((a, b) => (versionsOf(b).length < versionsOf(a).length ? b : a));
    const current = latestVersion(number);
    const version = (current?.version ?? 0) + 1;
    console.log(`BEGIN ${number} ${version}`);
    try {
      if (!current && !isReserved(number)) await claimNumber(number, new Set(), "faults", "fault test");
      const base = current ? await readVersionContent(current) : null;
      const record = await publishVersion({
        number,
        meta: base?.meta ?? {
          number,
          title: `故障演练 ${number}`,
          category: number.split("-")[0],
          type: "record",
          ownerDepartment: process.env.FAULT_OWNER ?? "qa",
          confidentiality: (process.env.FAULT_CONFIDENTIALITY as "internal" | "department" | "restricted" | undefined) ?? "internal",
          audienceDepartments: [],
          retired: false,
        },
        body: `# 故障演练 ${number}\n\n第 ${version} 版。Revision ${version} of ${number}.\n\n${"内容段落。".repeat(40 * version)}\n`,
        author: { username: "editor", name: "王编辑", email: "editor@regula.example" },
        change: current ? "minor" : "new",
        summary: `第 ${version} 版`,
        approvedBy: current ? ["approver"] : [],
        expectedVersion: current?.version ?? 0,
      });
      console.log(`OK ${record.number} ${record.version} ${record.commit}`);
    } catch (error) {
      console.log(`ERROR ${number} ${version} ${(error as { code?: string }).code ?? "-"} ${(error as Error).message.replace(/\n/g, " ")}`);
      if (mode === "once") process.exit(3);
      throw error;
    }
    if (mode === "once") break;
  }
  console.log("DONE");
  process.exit(0);
}

main().catch((error) => {
  console.log(`FATAL ${(error as Error).message.replace(/\n/g, " ")}`);
  process.exit(2);
});

export {};
