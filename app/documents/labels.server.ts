/** Display names for categories, types and departments, for loaders to send along. */
import { getConfig } from "./config.server";
import { listDepartments } from "~/org/users.server";

export type Names = Record<string, { "zh-CN": string; en: string }>;

export function labelMaps(): { categories: Names; types: Names; departments: Names } {
  const config = getConfig();
  return {
    categories: Object.fromEntries(config.categories.map((c) => [c.code, c.name])),
    types: Object.fromEntries(config.types.map((t) => [t.code, t.name])),
    departments: Object.fromEntries(listDepartments().map((d) => [d.id, d.name])),
  };
}
