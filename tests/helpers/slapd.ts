/**
 * A real OpenLDAP server for the tests: /usr/sbin/slapd started as the current
 * user on a free localhost port (plain LDAP and LDAPS), with a slapd.conf, a
 * self-signed certificate and an mdb database in a temporary folder, seeded
 * from LDIF with ldapadd. No system service is touched.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./server";

const run = promisify(execFile);

export const SLAPD = "/usr/sbin/slapd";
export const BASE_DN = "dc=example,dc=com";
export const ADMIN_DN = `cn=admin,${BASE_DN}`;
export const ADMIN_PASSWORD = "directory-admin-secret";
export const SERVICE_DN = `cn=regula-sync,ou=services,${BASE_DN}`;
export const SERVICE_PASSWORD = "service-account-secret";
/** Every seeded person's password (the tests sign in with it). */
export const PEOPLE_PASSWORD = "Directory-pass-1";

export interface Slapd {
  url: string;
  ldapsUrl: string;
  port: number;
  dir: string;
  caFile: string;
  /** Adds entries (LDIF) as the directory admin. */
  add: (ldif: string) => Promise<void>;
  /** Applies changes (LDIF with changetype) as the directory admin. */
  modify: (ldif: string) => Promise<void>;
  /** Removes entries by DN. */
  remove: (...dns: string[]) => Promise<void>;
  /** Ends the server at once (SIGKILL): the directory becomes unreachable. */
  kill: () => Promise<void>;
  /** Starts the same database again on the same ports after a kill. */
  restart: () => Promise<void>;
  stop: () => Promise<void>;
  /** The settings that point the portal at this directory (search-then-bind with the service account). */
  env: (extra?: Record<string, string>) => Record<string, string>;
}

function config(dir: string) {
  const schema = "/etc/ldap/schema";
  return `include ${schema}/core.schema
include ${schema}/cosine.schema
include ${schema}/inetorgperson.schema
include ${schema}/nis.schema
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile ${dir}/cert.pem
TLSCertificateKeyFile ${dir}/key.pem
sizelimit unlimited
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by dn.exact="${SERVICE_DN}" read
  by self read
  by users read
  by * none
database mdb
maxsize 104857600
suffix "${BASE_DN}"
rootdn "${ADMIN_DN}"
rootpw ${ADMIN_PASSWORD}
directory ${dir}/db
index objectClass eq
index uid eq
index member eq
`;
}

/** The seeded company: departments (one with a Chinese name as its RDN), heads, people and role groups. */
export function seedLdif(): string {
  const people = (uid: string, cn: string, dept: string, extra: string[] = [], rdn = `uid=${uid}`) =>
    [
      `dn: ${rdn},ou=people,${BASE_DN}`,
      "objectClass: inetOrgPerson",
      `uid: ${uid}`,
      `cn: ${cn}`,
      `sn: ${cn.slice(0, 1)}`,
      `mail: ${uid}@example.com`,
      `departmentNumber: ${dept}`,
      `userPassword: ${PEOPLE_PASSWORD}`,
      ...extra,
      "",
    ].join("\n");
  const dept = (ou: string, zh: string, en: string, head?: string) =>
    [
      `dn: ou=${ou},ou=departments,${BASE_DN}`,
      "objectClass: organizationalUnit",
      "objectClass: extensibleObject",
      `ou: ${ou}`,
      `description: ${zh}`,
      `businessCategory: ${en}`,
      ...(head ? [`manager: uid=${head},ou=people,${BASE_DN}`] : []),
      "",
    ].join("\n");
  return [
    [`dn: ${BASE_DN}`, "objectClass: dcObject", "objectClass: organization", "o: Example", "dc: example", ""].join("\n"),
    [`dn: ou=people,${BASE_DN}`, "objectClass: organizationalUnit", "ou: people", ""].join("\n"),
    [`dn: ou=departments,${BASE_DN}`, "objectClass: organizationalUnit", "ou: departments", ""].join("\n"),
    [`dn: ou=groups,${BASE_DN}`, "objectClass: organizationalUnit", "ou: groups", ""].join("\n"),
    [`dn: ou=services,${BASE_DN}`, "objectClass: organizationalUnit", "ou: services", ""].join("\n"),
    [`dn: ${SERVICE_DN}`, "objectClass: organizationalRole", "objectClass: simpleSecurityObject", "cn: regula-sync", `userPassword: ${SERVICE_PASSWORD}`, ""].join("\n"),
    dept("ldap-qa", "质量保证部", "Quality Assurance", "zhou.min"),
    dept("ldap-rd", "研发中心", "Research and Development"),
    dept("财务部", "财务部", "Finance", "qian.li"),
    people("zhou.min", "周敏", "ldap-qa"),
    people("wu.hao", "吴浩", "ldap-qa", [`manager: uid=zhou.min,ou=people,${BASE_DN}`]),
    people("zheng.yi", "郑怡", "ldap-qa", [`manager: uid=zhou.min,ou=people,${BASE_DN}`]),
    people("feng.lei", "冯磊", "ldap-rd", [`manager: uid=chen.jing,ou=people,${BASE_DN}`]),
    people("chen.jing", "陈静", "ldap-rd"),
    people("wang.fang", "王芳", "ldap-rd", [`manager: uid=chen.jing,ou=people,${BASE_DN}`], "cn=王芳"),
    people("qian.li", "钱立", "财务部"),
    people("he.xin", "何欣", "财务部", [`manager: uid=qian.li,ou=people,${BASE_DN}`]),
    people("tom.baker", "Tom Baker", "ldap-rd", [`manager: uid=chen.jing,ou=people,${BASE_DN}`]),
    people("lin.na", "林娜", "ldap-qa", [`manager: uid=zhou.min,ou=people,${BASE_DN}`]),
    [
      `dn: cn=regula-admins,ou=groups,${BASE_DN}`,
      "objectClass: groupOfNames",
      "cn: regula-admins",
      `member: uid=qian.li,ou=people,${BASE_DN}`,
      "",
    ].join("\n"),
    [
      `dn: cn=regula-editors,ou=groups,${BASE_DN}`,
      "objectClass: groupOfNames",
      "cn: regula-editors",
      `member: uid=wu.hao,ou=people,${BASE_DN}`,
      `member: cn=王芳,ou=people,${BASE_DN}`,
      "",
    ].join("\n"),
    [
      `dn: cn=department-heads,ou=groups,${BASE_DN}`,
      "objectClass: groupOfNames",
      "cn: department-heads",
      `member: uid=chen.jing,ou=people,${BASE_DN}`,
      "",
    ].join("\n"),
  ].join("\n");
}

async function waitForPort(url: string, child: ChildProcess, output: () => string) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`slapd exited during start:\n${output()}`);
    try {
      await run("ldapsearch", ["-x", "-H", url, "-b", "", "-s", "base", "-LLL", "(objectClass=*)", "namingContexts"], { timeout: 5000 });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`slapd did not answer:\n${output()}`);
}

/** Starts slapd with the seeded directory (or an empty suffix with `seed: false`). */
export async function startSlapd(options: { seed?: boolean } = {}): Promise<Slapd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-slapd-"));
  fs.mkdirSync(path.join(dir, "db"));
  await run("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
    "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"),
    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
  ]);
  fs.writeFileSync(path.join(dir, "slapd.conf"), config(dir));
  const port = await freePort();
  const ldapsPort = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = `ldaps://127.0.0.1:${ldapsPort}`;
  let child: ChildProcess;
  let out = "";
  const launch = async () => {
    // -d 0: stay in the foreground (so the test owns the process) without debug output.
    child = spawn(SLAPD, ["-d", "0", "-f", path.join(dir, "slapd.conf"), "-h", `${url}/ ${ldapsUrl}/`], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d) => (out += d.toString()));
    child.stderr!.on("data", (d) => (out += d.toString()));
    await waitForPort(url, child, () => out);
  };
  await launch();
  const ldap = async (tool: string, ldif: string, extra: string[] = []) => {
    const file = path.join(dir, `change-${Date.now()}-${Math.random().toString(36).slice(2)}.ldif`);
    fs.writeFileSync(file, ldif);
    await run(tool, ["-x", "-H", url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD, ...extra, "-f", file]);
    fs.rmSync(file);
  };
  const exited = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
    });
  const slapd: Slapd = {
    url,
    ldapsUrl,
    port,
    dir,
    caFile: path.join(dir, "cert.pem"),
    add: (ldif) => ldap("ldapadd", ldif),
    modify: (ldif) => ldap("ldapmodify", ldif),
    remove: async (...dns) => {
      await run("ldapdelete", ["-x", "-H", url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD, ...dns]);
    },
    kill: async () => {
      child.kill("SIGKILL");
      await exited();
    },
    restart: launch,
    stop: async () => {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited();
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
    },
    env: (extra = {}) => ({
      LDAP_URL: url,
      LDAP_BIND_DN: SERVICE_DN,
      LDAP_BIND_PASSWORD: SERVICE_PASSWORD,
      LDAP_USER_BASE: `ou=people,${BASE_DN}`,
      LDAP_GROUP_BASE: `ou=groups,${BASE_DN}`,
      LDAP_DEPARTMENT_BASE: `ou=departments,${BASE_DN}`,
      LDAP_DEPARTMENT_NAME_EN_ATTR: "businessCategory",
      LDAP_HEAD_GROUP: "department-heads",
      LDAP_ROLE_GROUPS: "admin=regula-admins,editor=regula-editors",
      ...extra,
    }),
  };
  if (options.seed !== false) await slapd.add(seedLdif());
  return slapd;
}
