import { useRouteLoaderData } from "@remix-run/react";
import type { ShellData } from "~/shell.server";

/** Shell data (user, locale, categories) from the root loader. */
export function useShell(): ShellData {
  return useRouteLoaderData("root") as ShellData;
}
