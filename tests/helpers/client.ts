/** A small browser-like HTTP client: cookie jar, CSRF token from pages, form posts with Origin. */
export class Client {
  cookies = new Map<string, string>();
  csrf = "";
  constructor(public baseUrl: string) {}

  private cookieHeader() {
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
        Origin: options.origin ?? this.baseUrl,
        ...options.headers,
      },
    });
    this.store(res);
    const text = await res.text();
    if ((res.headers.get("content-type") ?? "").includes("text/html")) this.learnCsrf(text);
    return Object.assign(res, { text_: text });
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
