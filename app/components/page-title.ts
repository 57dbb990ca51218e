import type { MetaFunction } from "@remix-run/react";
import { DEFAULT_LOCALE, translate, type Locale } from "~/i18n/i18n";

/** A page's browser title from a catalogue key, in the reader's language ("备份 · Regula"). */
export function pageTitle(key: string): MetaFunction {
  return ({ matches }) => {
    const root = matches.find((m) => m.id === "root")?.data as { locale?: Locale } | undefined;
    return [{ title: `${translate(root?.locale ?? DEFAULT_LOCALE, key)} · Regula` }];
  };
}
