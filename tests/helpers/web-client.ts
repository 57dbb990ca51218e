/**
 * A client that goes where redirects send it, across sites, keeping each
 * site's cookies (with their paths) like a browser without JavaScript: for
 * sign-ins that leave the portal for a provider and come back.
 */
export interface Page {
  url: string;
  status: number;
  text: string;
}

export class WebClient {
  private jar = new Map<string, Map<string, { value: string; path: string }>>();
  /** Every address visited by the last call, in order. */
  trail: string[] = [];

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(new URL(origin).host)?.get(name)?.value;
  }

  setCookie(origin: string, name: string, value: string, path = "/") {
    const host = new URL(origin).host;
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    this.jar.get(host)!.set(name, { value, path });
  }

  private header(url: URL): string {
    const cookies = this.jar.get(url.host);
    if (!cookies) return "";
    return [...cookies].filter(([, c]) => url.pathname.startsWith(c.path)).map(([k, c]) => `${k}=${c.value}`).join("; ");
  }

  private store(url: URL, res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const path = attrs.map((a) => a.trim()).find((a) => /^path=/i.test(a))?.slice(5) || "/";
      if (!this.jar.has(url.host)) this.jar.set(url.host, new Map());
      const cookies = this.jar.get(url.host)!;
      if (/max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line) || value === "") cookies.delete(name);
      else cookies.set(name, { value, path });
    }
  }

  /** One request without following redirects. */
  async request(method: string, address: string, body?: URLSearchParams, headers: Record<string, string> = {}): Promise<Response & { text_: string }> {
    const url = new URL(address);
    const res = await fetch(url, {
      method,
      redirect: "manual",
      body,
      headers: {
        Cookie: this.header(url),
        ...(body ? { "Content-Type": "application/x-www-form-urlencoded", Origin: url.origin } : {}),
        ...headers,
      },
    });
    this.store(url, res);
    return Object.assign(res, { text_: await res.text() });
  }

  /** A request, then every redirect after it; answers the page it ends on. */
  async go(method: string, address: string, body?: URLSearchParams, headers: Record<string, string> = {}): Promise<Page> {
    this.trail = [];
    let url = address;
    let res = await this.request(method, url, body, headers);
    this.trail.push(url);
    for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 20; hops++) {
      url = new URL(res.headers.get("location") ?? "/", url).href;
      this.trail.push(url);
      res = await this.request("GET", url);
    }
    return { url, status: res.status, text: res.text_ };
  }

  /** Posts a form of a portal page (with the page's CSRF token, like a browser). */
  async postForm(pageHtml: string, address: string, fields: Record<string, string>): Promise<Page> {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(pageHtml)?.[1] ?? "";
    return this.go("POST", address, new URLSearchParams({ _csrf: csrf, ...fields }));
  }
}

/** The action and fields of the first form on a page (hidden inputs included). */
export function formOf(html: string, selector?: RegExp): { action: string; fields: Record<string, string> } {
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
  const form = selector ? forms.find((f) => selector.test(f[0])) : forms[0];
  if (!form) throw new Error(`no form on the page: ${html.slice(0, 300)}`);
  const action = /action="([^"]*)"/.exec(form[1])?.[1] ?? "";
  const fields: Record<string, string> = {};
  for (const input of form[2].matchAll(/<input\b[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? "";
    if (name) fields[name] = value.replace(/&amp;/g, "&").replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"');
  }
  return { action: action.replace(/&amp;/g, "&"), fields };
}
