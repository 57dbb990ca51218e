import { describe, expect, it } from "vitest";
import { isLoopbackHost, isReservedTestHost, realUseReasons } from "~/utils/installation.server";

describe("configured for real use (demo accounts never reach a real installation)", () => {
  it("a laptop demo is not real use: nothing set, loopback addresses", () => {
    expect(realUseReasons({})).toEqual([]);
    expect(realUseReasons({ PUBLIC_URL: "http://localhost:3000", HOST: "127.0.0.1" })).toEqual([]);
    expect(realUseReasons({ PUBLIC_URL: "http://127.0.0.1:3000/", HOST: "::1" })).toEqual([]);
    expect(realUseReasons({ PUBLIC_URL: "http://[::1]:3000", HOST: "localhost", OIDC_PROVIDERS: "", LDAP_URL: " " })).toEqual([]);
  });

  it("each trigger on its own: PUBLIC_URL, HOST, OIDC_PROVIDERS, OIDC_PROVIDERS_FILE, LDAP_URL", () => {
    expect(realUseReasons({ PUBLIC_URL: "https://regula.example.com" })).toEqual([{ key: "publicUrl", name: "PUBLIC_URL", value: "https://regula.example.com" }]);
    expect(realUseReasons({ HOST: "0.0.0.0" })).toEqual([{ key: "host", name: "HOST", value: "0.0.0.0" }]);
    expect(realUseReasons({ HOST: "10.1.2.3" })).toEqual([{ key: "host", name: "HOST", value: "10.1.2.3" }]);
    expect(realUseReasons({ OIDC_PROVIDERS: '[{"id":"corp"}]' })).toEqual([{ key: "oidc", name: "OIDC_PROVIDERS" }]);
    expect(realUseReasons({ OIDC_PROVIDERS_FILE: "/etc/regula/oidc.json" })).toEqual([{ key: "oidc", name: "OIDC_PROVIDERS_FILE" }]);
    expect(realUseReasons({ LDAP_URL: "ldaps://ldap.example.com" })).toEqual([{ key: "ldap", name: "LDAP_URL" }]);
  });

  it("a PUBLIC_URL under a name reserved for tests (.test, .example, .invalid) is not real use", () => {
    expect(realUseReasons({ PUBLIC_URL: "http://portal.example.test" })).toEqual([]);
    expect(realUseReasons({ PUBLIC_URL: "https://regula.example" })).toEqual([]);
    for (const h of ["portal.example.test", "a.invalid", "example", "x.localhost"]) expect(isReservedTestHost(h), h).toBe(true);
    for (const h of ["regula.example.com", "test.corp.cn", "testing"]) expect(isReservedTestHost(h), h).toBe(false);
  });

  it("knows loopback names and addresses", () => {
    for (const h of ["localhost", "app.localhost", "127.0.0.1", "127.8.9.1", "::1", "[::1]"]) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ["0.0.0.0", "::", "192.168.1.5", "regula.example.com", "localhost.example.com"]) expect(isLoopbackHost(h), h).toBe(false);
  });
});
