/** Values typed at sign-in reach LDAP filters and DNs only escaped (RFC 4515 / RFC 4514). */
import { describe, expect, it } from "vitest";
import { departmentIdFor, escapeDnValue, normalizeDn, personFilter } from "~/access/ldap.server";

const s = { LDAP_USER_FILTER: "(objectClass=inetOrgPerson)", LDAP_ATTR_USERNAME: "uid" };

describe("LDAP escaping", () => {
  it("a wildcard, a closing parenthesis, NUL and backslash cannot change the filter", () => {
    expect(personFilter(s, "*")).toBe("(&(objectClass=inetOrgPerson)(uid=\\2a))");
    expect(personFilter(s, "x)(uid=*")).toBe("(&(objectClass=inetOrgPerson)(uid=x\\29\\28uid=\\2a))");
    expect(personFilter(s, "a\u0000b")).toBe("(&(objectClass=inetOrgPerson)(uid=a\\00b))");
    expect(personFilter(s, "back\\slash")).toBe("(&(objectClass=inetOrgPerson)(uid=back\\5cslash))");
    expect(personFilter(s, "王芳")).toBe("(&(objectClass=inetOrgPerson)(uid=王芳))");
  });
  it("DN values escape separators", () => {
    expect(escapeDnValue("a,ou=admins")).toBe("a\\,ou\\=admins");
    expect(escapeDnValue("王芳")).toBe("王芳");
  });
  it("DNs compare in one spelling (hex escapes of UTF-8, case, spaces)", () => {
    expect(normalizeDn("CN=\\E7\\8E\\8B\\E8\\8A\\B3, OU=People,dc=example,dc=com")).toBe(normalizeDn("cn=王芳,ou=people,dc=example,dc=com"));
  });
  it("department ids: the directory's id when it fits, else a stable derived one", () => {
    expect(departmentIdFor("ldap-QA")).toBe("ldap-qa");
    expect(departmentIdFor("财务部")).toBe(departmentIdFor("财务部"));
    expect(departmentIdFor("财务部")).toMatch(/^d-[a-z0-9]{7}$/);
    expect(departmentIdFor("财务部")).not.toBe(departmentIdFor("人事部"));
  });
});
