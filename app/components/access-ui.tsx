import { NavLink } from "@remix-run/react";
import { useShell } from "~/components/use-shell";
import type { Translate } from "~/i18n/i18n";
import { useT } from "~/i18n/use-t";

/** What an access action returns on failure (actionError / invalid). */
export interface AccessActionResult {
  ok?: false;
  formError?: string;
  fieldErrors?: Record<string, string>;
  code?: string;
  details?: { key?: string; vars?: Record<string, string | number> } & Record<string, unknown>;
  id?: string;
}

/** The refusal in the reader's language when the server gave a message key. */
export function formErrorText(t: Translate, result: AccessActionResult | undefined): string | undefined {
  if (!result?.formError) return undefined;
  const key = result.details?.key;
  if (key) {
    const text = t(key, result.details?.vars);
    if (text !== key) return text;
  }
  if (result.fieldErrors && Object.keys(result.fieldErrors).length) return t("access.err.invalid");
  return result.formError;
}

/** A field's message: the translated hint for that field when there is one, else the server's text. */
export function fieldErrorText(t: Translate, result: AccessActionResult | undefined, field: string): string | undefined {
  const message = result?.fieldErrors?.[field];
  if (!message) return undefined;
  const key = `access.fe.${field}`;
  const text = t(key);
  return text === key ? message : `${text} (${message})`;
}

/** Tabs across the access pages. */
export function AccessTabs({ waiting, decider }: { waiting?: number; decider?: boolean }) {
  const t = useT();
  const { user } = useShell();
  const admin = !!user?.roles.includes("admin");
  return (
    <nav className="doc-tabs access-tabs" aria-label={t("access.title")}>
      <NavLink to="/access" end>
        {t("access.tab.mine")}
      </NavLink>
      {decider || admin || user?.roles.includes("approver") ? (
        <NavLink to="/access/queue">
          {t("access.tab.queue")}
          {waiting ? <span className="badge access-count">{waiting}</span> : null}
        </NavLink>
      ) : null}
      {admin ? (
        <>
          <NavLink to="/admin/access" end>
            {t("access.tab.grants")}
          </NavLink>
          <NavLink to="/admin/access/emergency">{t("access.tab.emergency")}</NavLink>
          <NavLink to="/admin/access/review">{t("access.tab.review")}</NavLink>
          <NavLink to="/admin/access/delegates">{t("access.tab.delegates")}</NavLink>
          <NavLink to="/admin/audit">{t("access.tab.audit")}</NavLink>
        </>
      ) : null}
    </nav>
  );
}

const STATUS_TONE: Record<string, string> = {
  pending: "badge-superseded",
  emergency: "badge-restricted",
  approved: "badge-current",
  ratified: "badge-current",
  rejected: "badge-retired",
  lapsed: "badge-retired",
  withdrawn: "",
};

/** A request's status as a badge. */
export function StatusBadge({ status, overdue }: { status: string; overdue?: boolean }) {
  const t = useT();
  return (
    <>
      <span className={`badge ${STATUS_TONE[status] ?? ""}`}>{t(`access.status.${status}`)}</span>
      {overdue ? (
        <>
          {" "}
          <span className="badge badge-major">{t("access.overdue")}</span>
        </>
      ) : null}
    </>
  );
}

/** "Whole document, with history" / "Sections: …, current version". */
export function scopeText(t: Translate, r: { scope: "all" | "sections"; sectionNames: string[]; history: boolean }): string {
  const what = r.scope === "all" ? t("access.scope.all") : t("access.scope.sectionsList", { list: r.sectionNames.join("; ") });
  return `${what} · ${r.history ? t("access.history.yes") : t("access.history.no")}`;
}

/** A grant's state as a badge. */
export function GrantBadge({ state }: { state: "active" | "expired" | "revoked" }) {
  const t = useT();
  const tone = state === "active" ? "badge-current" : "badge-retired";
  return <span className={`badge ${tone}`}>{t(`access.grant.${state}`)}</span>;
}
