import { NotificationBell } from "~/components/notification-bell";

/**
 * Items shown in the header next to the language switch for signed-in users
 * (the notification bell lives here).
 */
export function HeaderExtras() {
  return (
    <>
      <NotificationBell />
    </>
  );
}
