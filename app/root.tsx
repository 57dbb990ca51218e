import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import {
  Form,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useNavigation,
  useRouteLoaderData,
} from "@remix-run/react";
import { useEffect, useRef } from "react";
import { ErrorView } from "~/components/error-view";
import { NAV_ITEMS } from "~/components/nav";
import { useNonce } from "~/components/nonce";
import { CsrfField } from "~/components/csrf-field";
import { HeaderExtras } from "~/components/header-extras";
import { SearchSuggest } from "~/components/search-suggest";
import { getShellData, type ShellData } from "~/shell.server";
import { pageShell } from "~/web/page-cache.server";
import { translator } from "~/i18n/i18n";
import appCss from "~/styles/app.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: appCss },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { shell, setCookie } = await getShellData(request);
  // A page kept by the page cache (decision 105) is rendered with markers for the reader's own values.
  return data(setCookie ? shell : pageShell(context, shell), { headers: setCookie ? { "Set-Cookie": setCookie } : undefined });
}

export function Layout({ children }: { children: React.ReactNode }) {
  const shell = useRouteLoaderData("root") as ShellData | undefined;
  const nonce = useNonce();
  const locale = shell?.locale ?? "zh-CN";
  return (
    <html lang={locale === "en" ? "en" : "zh-CN"}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <Shell shell={shell}>{children}</Shell>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

function Shell({ shell, children }: { shell: ShellData | undefined; children: React.ReactNode }) {
  const t = translator(shell?.locale ?? "zh-CN");
  const location = useLocation();
  const navigation = useNavigation();
  const user = shell?.user;
  const back = location.pathname + location.search;
  const menuToggle = useRef<HTMLInputElement>(null);
  // With JavaScript the phone menu closes after each navigation (not at hydration: a menu opened
  // before the scripts ran stays open) and on Escape.
  const shownKey = useRef(location.key);
  useEffect(() => {
    if (shownKey.current === location.key) return;
    shownKey.current = location.key;
    if (menuToggle.current) menuToggle.current.checked = false;
  }, [location.key]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const toggle = menuToggle.current;
      if (event.key !== "Escape" || event.defaultPrevented || !toggle?.checked) return;
      toggle.checked = false;
      toggle.focus();
    };
    document.addEventListener("keydown", onKey);
    // Marks the toggle as answering keys (Escape), for assistive checks and the browser tests.
    menuToggle.current?.setAttribute("data-keys", "1");
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  return (
    <>
      <a className="skip-link" href="#main">
        {t("nav.skip")}
      </a>
      <header className="site-header">
        <div className={user ? "header-inner has-menu" : "header-inner"}>
          <Link to="/" className="brand">
            <span className="brand-mark" aria-hidden="true">
              R
            </span>
            <span className="brand-name">Regula</span>
            <span className="brand-sub">{t("app.tagline")}</span>
          </Link>
          {user ? (
            <>
              <div className="header-extras">
                <HeaderExtras />
              </div>
              {/* On a phone the rest of the header folds behind this toggle: a checkbox and its label, so it works without JavaScript. */}
              <input type="checkbox" id="site-menu-toggle" className="menu-toggle" aria-controls="site-menu" ref={menuToggle} />
              <label htmlFor="site-menu-toggle" className="menu-button">
                <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20" focusable="false">
                  <path fill="currentColor" d="M3 6h18v2H3zm0 5h18v2H3zm0 5h18v2H3z" />
                </svg>
                <span>{t("nav.menu")}</span>
              </label>
            </>
          ) : null}
          <div className="header-menu" id="site-menu">
            {user ? (
              <nav className="main-nav" aria-label={t("nav.main")}>
                {NAV_ITEMS.filter((item) => !item.roles || item.roles.some((r) => user.roles.includes(r) || user.roles.includes("admin"))).map(
                  (item) => (
                    <NavLink key={item.to} to={item.to} end={item.to === "/"} prefetch="intent">
                      {t(item.label)}
                    </NavLink>
                  ),
                )}
              </nav>
            ) : null}
            {user ? (
              <Form method="get" action="/search" className="header-search" role="search">
                <label htmlFor="header-q" className="visually-hidden">
                  {t("search.label")}
                </label>
                <input id="header-q" type="search" name="q" placeholder={t("search.placeholder")} autoComplete="off" />
                <button type="submit">{t("search.go")}</button>
                <SearchSuggest inputId="header-q" />
              </Form>
            ) : null}
            <div className="header-tools">
              <Form method="post" action="/lang" className="lang-switch">
                <CsrfField />
                <input type="hidden" name="back" value={back} />
                <button type="submit" name="locale" value={shell?.locale === "en" ? "zh-CN" : "en"} lang={shell?.locale === "en" ? "zh-CN" : "en"}>
                  {shell?.locale === "en" ? "中文" : "English"}
                </button>
              </Form>
              {user ? (
                <div className="user-menu">
                  <Link to="/profile" className="user-name">
                    {user.name}
                  </Link>
                  <Form method="post" action="/logout">
                    <CsrfField />
                    <button type="submit" className="link-button">
                      {t("nav.logout")}
                    </button>
                  </Form>
                </div>
              ) : null}
            </div>
          </div>
        </div>
        {navigation.state !== "idle" ? <div className="progress-bar" aria-hidden="true" /> : null}
      </header>
      <main id="main" className="site-main">
        {children}
      </main>
      <footer className="site-footer">
        <p>{t("app.footer")}</p>
      </footer>
    </>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  return <ErrorView />;
}
