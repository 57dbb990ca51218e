/** Links on the profile page to per-user settings pages (notification preferences, …). */
export const PROFILE_LINKS: { to: string; label: string }[] = [
  { to: "/settings/notifications", label: "profile.notifications" },
  { to: "/suggestions", label: "revisions.profile.suggestions" },
];
