/** A small browser-like HTTP client: cookie jar, CSRF token from pages, form posts with Origin. */
export class Client {
  cookies = new Map<string, string>();
  csrf = "";
  /** The Origin its form posts carry: the address it talks to, unless the portal is known by another (PUBLIC_URL). */
  origin: string;
  constructor(
    public baseUrl: string,
    options: { origin?: string } = {},
  ) {
    this.origin = options.origin ?? baseUrl;
  }

  /** The Cookie header this client sends. */
  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private store(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (/max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private learnCsrf(html: string) {
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (m) this.csrf = m[1];
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response & { text_: string }> {
    const res = await fetch(this.baseUrl + path, { headers: { Cookie: this.cookieHeader(), ...headers }, redirect: "manual" });
    this.store(res);
    const text = await res.text();
    if ((res.headers.get("content-type") ?? "").includes("text/html")) this.learnCsrf(text);
    return Object.assign(res, { text_: text });
  }

  /** Posts a form like a browser would (Origin header, CSRF token unless `csrf: false`). */
  async post(
    path: string,
    fields: Record<string, string | string[]>,
    options: { csrf?: boolean; origin?: string; headers?: Record<string, string> } = {},
  ): Promise<Response & { text_: string }> {
    if (!this.csrf && options.csrf !== false) await this.get("/login");
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
    if (options.csrf !== false) body.set("_csrf", this.csrf);
    const res = await fetch(this.baseUrl + path, {
      method: "POST",
      body,
      redirect: "manual",
      headers: {
        Cookie: this.cookieHeader(),
        "Content-Type": "application/x-www-form-urlencoded",
        Origin: options.origin ?? this.origin,
        ...options.headers,
      },
    });
    this.store(res);
    const text = await res.text();
    if ((res.headers.get("content-type") ?? "").includes("text/html")) this.learnCsrf(text);
    return Object.assign(res, { text_: text });
  }

  /** Posts a multipart form with files the way a browser sends an upload (CSRF token, cookies, Origin). */
  async postFiles(
    path: string,
    fields: Record<string, string>,
    files: { name: string; data: Buffer | string; field?: string }[],
  ): Promise<{ status: number; location: string; text: string }> {
    const fd = new FormData();
    fd.set("_csrf", this.csrf);
    for (const [k, v] of Object.entries(fields)) fd.append(k, v);
    for (const f of files) fd.append(f.field ?? "files", new Blob([typeof f.data === "string" ? f.data : new Uint8Array(f.data)]), f.name);
    const res = await fetch(this.baseUrl + path, { method: "POST", body: fd, redirect: "manual", headers: { Cookie: this.cookieHeader(), Origin: this.origin } });
    this.store(res);
    return { status: res.status, location: res.headers.get("location") ?? "", text: await res.text() };
  }

  /** Signs in through the login form; throws unless redirected. */
  async login(username: string, password = "demo1234"): Promise<void> {
    await this.get("/login");
    const res = await this.post("/login", { username, password, redirectTo: "/" });
    if (res.status !== 302 && res.status !== 204) throw new Error(`login ${username} failed: ${res.status} ${res.text_.slice(0, 200)}`);
    await this.get("/");
  }

  async json<T = unknown>(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await fetch(this.baseUrl + path, { headers: { Cookie: this.cookieHeader(), Accept: "application/json", ...headers } });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: res.status, body: body as T, headers: res.headers };
  }
}

/** A client signed in as `username`, with the interface in `lang` ("en" unless told; null keeps the account's language). */
export async function signIn(
  baseUrl: string,
  username: string,
  options: { lang?: "en" | "zh-CN" | null; password?: string; origin?: string } = {},
): Promise<Client> {
  const c = new Client(baseUrl, { origin: options.origin });
  const lang = options.lang === undefined ? "en" : options.lang;
  if (lang) c.cookies.set("regula_lang", lang);
  await c.login(username, options.password);
  return c;
}
