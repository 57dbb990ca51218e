import { useRouteLoaderData } from "@remix-run/react";
import { translator, type Locale, DEFAULT_LOCALE } from "./i18n";

/** The current locale, from the root loader. */
export function useLocale(): Locale {
  const data = useRouteLoaderData("root") as { locale?: Locale } | undefined;
  return data?.locale ?? DEFAULT_LOCALE;
}

/** `t(key, vars)` in the current locale. */
export function useT() {
  return translator(useLocale());
}
