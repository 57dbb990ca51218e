/**
 * Extra tabs on a document page (print, suggestions, propose change, …), with
 * the roles that see them. Domains add entries.
 */
export interface DocTab {
  path: string; // appended to /docs/<number>
  label: string; // i18n key
  roles?: ("staff" | "editor" | "approver" | "admin")[];
  needsRead?: boolean;
}

export const DOC_TABS: DocTab[] = [
  { path: "/print", label: "print.tab", needsRead: true },
  { path: "/propose", label: "revisions.tab.propose", roles: ["editor"], needsRead: true },
  { path: "/suggestions", label: "revisions.tab.suggestions", needsRead: true },
  { path: "/watch", label: "watch.tab" },
];
