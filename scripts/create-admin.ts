/**
 * npm run create-admin -- <username> <password> <department-id> [name]
 * The e-mail address is ADMIN_EMAIL if set, otherwise <username>@regula.invalid
 * (a reserved domain, so nothing is ever sent to it until an admin corrects it).
 * Creates a document-controller (admin) account; for installations started with DEMO=0.
 * Run it while the server is stopped (one writing process per DATA_DIR).
 */
import { acquireDataDirLock } from "~/utils/process-lock.server";
import { loadDb } from "~/data/db.server";
import { seedPeople } from "~/demo/seed.server";
import { createUser, getDepartment, listDepartments } from "~/org/users.server";

async function main() {
  const [username, password, departmentId, ...nameParts] = process.argv.slice(2);
  if (!username || !password || !departmentId) {
    console.error("Usage: npm run create-admin -- <username> <password> <department-id> [display name]");
    process.exit(2);
  }
  acquireDataDirLock("create-admin");
  await loadDb();
  await seedPeople();
  if (!getDepartment(departmentId)) {
    console.error(`Unknown department "${departmentId}". Known: ${listDepartments().map((d) => d.id).join(", ")}`);
    process.exit(2);
  }
  const user = await createUser({
    username,
    password,
    departmentId,
    name: nameParts.join(" ") || username,
    email: process.env.ADMIN_EMAIL?.trim() || `${username}@regula.invalid`,
    roles: ["admin"],
  });
  console.log(`Created admin ${user.username} in ${departmentId}.`);
}

main().catch((error) => {
  console.error(`create-admin: ${(error as Error).message}`);
  process.exit(1);
});
