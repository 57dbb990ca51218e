/**
 * Header navigation. Each entry names the roles that see it (empty = everyone
 * signed in). Domains add their entry here.
 */
export interface NavItem {
  to: string;
  label: string; // i18n key
  roles?: ("staff" | "editor" | "approver" | "admin")[];
}

export const NAV_ITEMS: NavItem[] = [
  { to: "/", label: "nav.home" },
  { to: "/categories", label: "nav.categories" },
  { to: "/proposals", label: "nav.proposals", roles: ["editor", "approver"] },
  { to: "/inbox", label: "nav.inbox", roles: ["approver"] },
  { to: "/onboarding", label: "nav.onboarding" },
  { to: "/dashboard", label: "nav.dashboard", roles: ["approver"] },
  { to: "/access", label: "nav.access" },
  { to: "/admin", label: "nav.admin", roles: ["admin"] },
];
