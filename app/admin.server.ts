/** One-line figures for the admin home cards, keyed by the card's link. */
import { readDb } from "~/data/db.server";

type Figure = () => string | number;
const figures = new Map<string, Figure>([
  ["/admin/users", () => readDb().users.filter((u) => u.active).length],
  ["/admin/departments", () => readDb().departments.length],
]);

export function addAdminFigure(to: string, fn: Figure) {
  figures.set(to, fn);
}

export function adminSummary(): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [to, fn] of figures) {
    try {
      out[to] = fn();
    } catch {
      /* a failing figure just does not show */
    }
  }
  return out;
}
