/** Cards on the admin home page. Domains add theirs (audit log, backups, webhooks, imports…). */
export const ADMIN_LINKS: { to: string; label: string }[] = [
  { to: "/admin/users", label: "admin.users" },
  { to: "/admin/departments", label: "admin.departments" },
  { to: "/admin/directory", label: "directory.title" },
  { to: "/admin/access", label: "admin.access" },
  { to: "/admin/audit", label: "admin.audit" },
  { to: "/admin/import", label: "import.admin" },
  { to: "/onboarding/guides", label: "onboarding.guides" },
  { to: "/dashboard", label: "dashboard.title" },
  { to: "/admin/backups", label: "backup.title" },
  { to: "/admin/reviews", label: "admin.reviews" },
  { to: "/acknowledgements/report", label: "admin.acknowledgements" },
  { to: "/admin/webhooks", label: "admin.webhooks" },
  { to: "/admin/deliveries", label: "admin.deliveries" },
  { to: "/admin/search-synonyms", label: "synonyms.title" },
];
