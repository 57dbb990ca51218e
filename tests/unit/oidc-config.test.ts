/**
 * Company sign-in settings and claims: what OIDC_PROVIDERS / OIDC_PROVIDERS_FILE
 * accept (the README's example included) and refuse, and how claims become an
 * account's name, username, department and roles, bounded.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { oidcProviders, ProviderSchema } from "~/access/oidc-config.server";
import { mapClaims } from "~/access/oidc-users.server";
import { OidcError } from "~/access/oidc.server";
import { ROOT } from "../helpers/paths";

const minimal = { id: "corp", name: "Corp", issuer: "https://sso.example.com/realms/corp", clientId: "regula", clientSecret: "s" };

describe("provider settings", () => {
  it("accepts the README's Keycloak example as written", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const json = /### Company sign-in[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(json).toBeTruthy();
    const [p] = oidcProviders({ OIDC_PROVIDERS: json });
    expect(p).toMatchObject({ id: "corp", issuer: "https://sso.example.com/realms/corp", allowedDomains: ["example.com"] });
    expect(p.roles["/regula/editors"]).toEqual(["editor"]);
  });

  it("joins OIDC_PROVIDERS and OIDC_PROVIDERS_FILE, with defaults filled in", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-oidc-"));
    try {
      const file = path.join(dir, "providers.json");
      fs.writeFileSync(file, JSON.stringify([{ ...minimal, id: "second", name: { "zh-CN": "第二", en: "Second" } }]));
      const list = oidcProviders({ OIDC_PROVIDERS: JSON.stringify([minimal]), OIDC_PROVIDERS_FILE: file });
      expect(list.map((p) => p.id)).toEqual(["corp", "second"]);
      expect(list[0]).toMatchObject({ scopes: "openid profile email", defaultRoles: ["staff"], claims: { username: "preferred_username", groups: "groups" } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names every problem: duplicate id, http issuer off this machine, no openid scope, unknown role, bad JSON, missing file", () => {
    const bad = [
      minimal,
      { ...minimal },
      { ...minimal, id: "plain", issuer: "http://sso.example.com" },
      { ...minimal, id: "noscope", scopes: "profile email" },
      { ...minimal, id: "role", roles: { g: "superuser" } },
    ];
    let message = "";
    try {
      oidcProviders({ OIDC_PROVIDERS: JSON.stringify(bad) });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('"corp" is configured twice');
    expect(message).toContain("OIDC_PROVIDERS[2].issuer: must be an https: address");
    expect(message).toContain('OIDC_PROVIDERS[3].scopes: must include "openid"');
    expect(message).toContain("OIDC_PROVIDERS[4].roles.g");
    expect(() => oidcProviders({ OIDC_PROVIDERS: "[{" })).toThrow(/OIDC_PROVIDERS is not valid JSON/);
    expect(() => oidcProviders({ OIDC_PROVIDERS_FILE: "/nonexistent/providers.json" })).toThrow(/cannot be read \(ENOENT\)/);
    expect(oidcProviders({ OIDC_PROVIDERS: JSON.stringify([{ ...minimal, issuer: "http://127.0.0.1:9000" }]) })).toHaveLength(1);
  });
});

describe("claims", () => {
  const p = ProviderSchema.parse({ ...minimal, roles: { editors: "editor", heads: ["approver", "editor"] }, allowedDomains: ["corp.example"] });

  it("maps Chinese names and departments, groups to roles, and a Chinese username to the email's local part", () => {
    const m = mapClaims(p, { sub: "s1", preferred_username: "张伟", name: " 张伟\u200b ", email: "Zhang.Wei@corp.example", department: "运营部", groups: ["heads", "unknown"] });
    expect(m).toMatchObject({ subject: "s1", username: "zhang.wei", name: "张伟", department: "运营部" });
    expect(m.roles.sort()).toEqual(["approver", "editor", "staff"]);
  });

  it("refuses what cannot be used and cuts what can", () => {
    const refuse = (claims: Record<string, unknown>) => {
      try {
        mapClaims(p, claims);
      } catch (e) {
        return (e as OidcError).reason;
      }
      return "accepted";
    };
    expect(refuse({ sub: "x".repeat(256), email: "a@corp.example" })).toBe("claims");
    expect(refuse({ sub: "s", email: `${"a".repeat(200)}@corp.example` })).toBe("claims");
    expect(refuse({ sub: "s", email: "a@corp.example", department: "部".repeat(61) })).toBe("claims");
    expect(refuse({ sub: "s", email: "a@other.example" })).toBe("domain");
    expect(refuse({ sub: "s", email: "a@corp.example", email_verified: false })).toBe("domain");
    expect(refuse({ email: "a@corp.example" })).toBe("claims");
    const long = mapClaims(p, { sub: "s", email: "a@corp.example", name: "名".repeat(500), groups: Array.from({ length: 300 }, () => "x").concat(["editors"]) });
    expect([...long.name]).toHaveLength(80);
    expect(long.roles).toEqual(["staff"]);
    // No usable username and no email local part: one derived from the subject, stable.
    const open = ProviderSchema.parse(minimal);
    const a = mapClaims(open, { sub: "sub-1", preferred_username: "名字", email: "x@corp.example" });
    expect(a.username).toMatch(/^u-[0-9a-f]{8}$/);
    expect(mapClaims(open, { sub: "sub-1", email: "x@corp.example" }).username).toBe(a.username);
    // No email at all: refused (every account has one).
    expect(() => mapClaims(open, { sub: "sub-1", preferred_username: "someone" })).toThrow(OidcError);
  });
});
