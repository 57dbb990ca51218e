/**
 * Attachments leave and come back with their documents: the export writes
 * the current version's files and their manifest beside the markdown, the
 * import publishes them in the new document's one commit (refusing a file
 * that is not the one the export listed, and writing nothing then), and a
 * backup restored elsewhere holds the attachments of current and old versions
 * byte for byte.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/paths";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { pdf, png } from "../fixtures/attachment-files";
import { proposals } from "../helpers/proposals";
import { as, PASSWORD, publishDoc } from "./revisions-helpers";
import { runScript } from "./backup-helpers";

let world: World;
let other: World;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "regula-attach-port-"));
let number = "";
const files: Record<string, Buffer> = {};
const BODY = "# 危化品管理规程\n\n## 储存\n\n![库房照片](attachments/库房照片.png)\n\n见 [登记表](attachments/登记表.pdf)。\n";

beforeAll(async () => {
  world = await createWorld();
  other = await createWorld();
  await useWorldInProcess(world);
  const { createProposal, submitProposal, decideProposal } = await proposals();
  const { addDraftAttachment } = await import("~/attachments/store.server");
  const editor = await as("editor");
  files.photo = png(5, 3, [40, 90, 160]);
  files.form1 = await pdf(["Register, first edition"]);
  files.form2 = await pdf(["Register, second edition", "page 2"]);
  number = (await publishDoc({ title: "危化品管理规程", body: "# 危化品管理规程\n\n## 储存\n\n分区储存。\n" })).number;
  const publishWith = async (add: (id: string) => Promise<void>) => {
    const d = await createProposal(editor, { kind: "revision", number, change: "minor", summary: "附件", body: BODY });
    await add(d.id);
    await submitProposal(editor, d.id);
    const out = await decideProposal(await as("approver"), d.id, { decision: "approve", password: PASSWORD });
    expect(out.result).toBe("published");
  };
  let formSha = "";
  await publishWith(async (id) => {
    await addDraftAttachment(editor, id, { name: "库房照片.png", bytes: files.photo });
    formSha = (await addDraftAttachment(editor, id, { name: "登记表.pdf", bytes: files.form1 })).sha256;
  }); // v2
  await publishWith(async (id) => {
    await addDraftAttachment(editor, id, { name: "x.pdf", bytes: files.form2, replace: "登记表.pdf", expected: formSha });
  }); // v3
});

afterAll(async () => {
  await world?.cleanup();
  await other?.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function cli(script: "import" | "export", args: string[], dataDir: string) {
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, `scripts/${script}.ts`), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, CONTENT_DIR: path.join(ROOT, "content"), LANG: "C.UTF-8", LC_ALL: "", LC_MESSAGES: "" },
    encoding: "utf8",
    timeout: 240_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function gitIn(dataDir: string, ...args: string[]): Buffer {
  return execFileSync("git", ["-C", path.join(dataDir, "repo"), ...args], { maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
}

describe("export and import", () => {
  it("exports the current version's attachments beside the markdown, and the import brings them back in one commit", async () => {
    const out = path.join(tmp, "export");
    const exported = cli("export", [out], world.dataDir);
    expect(exported.status).toBe(0);
    expect(exported.stdout).toMatch(/with \d+ attachment\(s\)/);
    const folder = path.join(out, "EXE", `${number}.attachments`);
    expect(fs.readdirSync(folder).sort()).toEqual(["库房照片.png", "登记表.pdf"].sort());
    expect(Buffer.compare(fs.readFileSync(path.join(folder, "登记表.pdf")), files.form2)).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "EXE", `${number}.attachments.json`), "utf8")) as { name: string; sha256: string; size: number }[];
    expect(manifest.map((m) => m.name).sort()).toEqual(["库房照片.png", "登记表.pdf"].sort());

    // Only this document goes into the other portal.
    const only = path.join(tmp, "only");
    fs.mkdirSync(path.join(only, "EXE"), { recursive: true });
    fs.cpSync(path.join(out, "EXE", `${number}.md`), path.join(only, "EXE", `${number}.md`));
    fs.cpSync(path.join(out, "EXE", `${number}.attachments.json`), path.join(only, "EXE", `${number}.attachments.json`));
    fs.cpSync(folder, path.join(only, "EXE", `${number}.attachments`), { recursive: true });

    // A file changed after the export is refused, and nothing is written.
    const tampered = path.join(tmp, "tampered");
    fs.cpSync(only, tampered, { recursive: true });
    fs.writeFileSync(path.join(tampered, "EXE", `${number}.attachments`, "库房照片.png"), png(5, 3, [255, 0, 0]));
    const headBefore = gitIn(other.dataDir, "rev-parse", "main").toString().trim();
    const refused = cli("import", [tampered], other.dataDir);
    expect(refused.stdout).toContain("库房照片.png");
    expect(refused.stdout).toContain("SHA-256");
    expect(gitIn(other.dataDir, "rev-parse", "main").toString().trim()).toBe(headBefore);

    const imported = cli("import", [only], other.dataDir);
    expect(imported.status).toBe(0);
    expect(imported.stdout).toContain("2 attachment(s) imported with it");
    // One commit holds the text and the attachments.
    const latest = gitIn(other.dataDir, "show", "--name-only", "--format=%s", "main").toString();
    expect(latest).toContain(`documents/EXE/${number}.md`);
    expect(latest).toContain(`attachments/EXE/${number}/manifest.json`);
    const back = JSON.parse(gitIn(other.dataDir, "show", `main:attachments/EXE/${number}/manifest.json`).toString()) as { name: string; sha256: string }[];
    expect(back.map((m) => ({ name: m.name, sha256: m.sha256 }))).toEqual(manifest.map((m) => ({ name: m.name, sha256: m.sha256 })));
    for (const m of back) {
      const bytes = gitIn(other.dataDir, "show", `main:attachments/EXE/${number}/files/${m.sha256}`);
      expect(Buffer.compare(bytes, m.name.endsWith(".png") ? files.photo : files.form2)).toBe(0);
    }
    // The text still points at them (not reported as links leading outside the folder).
    expect(imported.stdout).not.toMatch(/attachments\/登记表\.pdf.*(missing|not in)/);
    expect(gitIn(other.dataDir, "show", `main:documents/EXE/${number}.md`).toString()).toContain("](attachments/登记表.pdf)");
  });
});

describe("backup and restore", () => {
  it("brings back the attachments of the current and the old versions", async () => {
    const out = path.join(tmp, "backups");
    fs.mkdirSync(out);
    const made = await runScript("backup", ["--out", out], { DATA_DIR: world.dataDir });
    expect(made.code).toBe(0);
    const archive = path.join(out, fs.readdirSync(out).find((f) => !f.startsWith("."))!);
    const target = path.join(tmp, "restored");
    const restored = await runScript("restore", [archive], { DATA_DIR: target });
    expect(restored.code).toBe(0);
    const { versionsOf } = await import("~/documents/version-index.server");
    const versions = versionsOf(number);
    const at = (v: number) => versions.find((x) => x.version === v)!.commit;
    const fileAt = (commit: string, name: string) => {
      const list = JSON.parse(gitIn(target, "show", `${commit}:attachments/EXE/${number}/manifest.json`).toString()) as { name: string; sha256: string }[];
      const entry = list.find((e) => e.name === name)!;
      return gitIn(target, "show", `${commit}:attachments/EXE/${number}/files/${entry.sha256}`);
    };
    expect(Buffer.compare(fileAt(at(2), "登记表.pdf"), files.form1)).toBe(0);
    expect(Buffer.compare(fileAt(at(3), "登记表.pdf"), files.form2)).toBe(0);
    expect(Buffer.compare(fileAt(at(2), "库房照片.png"), files.photo)).toBe(0);
    expect(Buffer.compare(fileAt(at(3), "库房照片.png"), files.photo)).toBe(0);
  });
});
