/**
 * The header bell: unread count and a link to the notification centre (works
 * without JavaScript). With JavaScript it listens to the live stream, updates
 * the count and shows a toast for each new notification, and reconnects after
 * a dropped connection (the browser resumes with Last-Event-ID; when the
 * stream is refused, this component reopens it with a growing pause).
 */
import { Link } from "@remix-run/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { useShell } from "~/components/use-shell";
import { useT } from "~/i18n/use-t";
import "~/styles/notifications.css";

interface LiveNotification {
  id: string;
  seq: number;
  title: string;
  body: string;
  href: string;
  toast: boolean;
  unread: number;
}

type LiveState = "connecting" | "live" | "reconnecting";

const TOAST_MS = 12_000;

export function NotificationBell() {
  const t = useT();
  const shell = useShell();
  const extra = shell?.extras?.notifications as { unread?: number; owed?: number } | undefined;
  const initial = extra?.unread ?? 0;
  const owed = extra?.owed ?? 0;
  const [unread, setUnread] = useState(initial);
  const [live, setLive] = useState<LiveState>("connecting");
  const [toasts, setToasts] = useState<LiveNotification[]>([]);
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  // Server data wins after navigation and revalidation (e.g. after "mark all read").
  useEffect(() => setUnread(initial), [initial]);

  const dismiss = useCallback((id: string) => {
    setToasts((list) => list.filter((x) => x.id !== id));
    const timer = timers.current.get(id);
    if (timer) clearTimeout(timer);
    timers.current.delete(id);
  }, []);

  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    let source: EventSource | null = null;
    let lastId: string | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let disposed = false;

    const connect = () => {
      if (disposed) return;
      source?.close();
      source = new EventSource(lastId ? `/api/notifications/stream?lastEventId=${encodeURIComponent(lastId)}` : "/api/notifications/stream");
      setLive(failures ? "reconnecting" : "connecting");
      source.addEventListener("open", () => {
        failures = 0;
        setLive("live");
      });
      source.addEventListener("hello", (e) => {
        const ev = e as MessageEvent<string>;
        if (ev.lastEventId) lastId = ev.lastEventId;
        setUnread((JSON.parse(ev.data) as { unread: number }).unread);
        setLive("live");
      });
      source.addEventListener("count", (e) => setUnread((JSON.parse((e as MessageEvent<string>).data) as { unread: number }).unread));
      source.addEventListener("notification", (e) => {
        const ev = e as MessageEvent<string>;
        if (ev.lastEventId) lastId = ev.lastEventId;
        const n = JSON.parse(ev.data) as LiveNotification;
        setUnread(n.unread);
        if (!n.toast) return;
        setToasts((list) => (list.some((x) => x.id === n.id) ? list : [...list.slice(-3), n]));
        timers.current.set(
          n.id,
          setTimeout(() => dismiss(n.id), TOAST_MS),
        );
      });
      source.addEventListener("error", () => {
        if (!source) return;
        if (source.readyState === EventSource.CLOSED) {
          // Refused (e.g. a proxy error page): the browser gives up, so try again ourselves.
          failures++;
          setLive("reconnecting");
          clearTimeout(retry);
          retry = setTimeout(connect, Math.min(30_000, 1000 * 2 ** Math.min(failures, 5)));
        } else {
          setLive("reconnecting");
        }
      });
    };
    const online = () => {
      if (source?.readyState === EventSource.CLOSED) {
        clearTimeout(retry);
        connect();
      }
    };
    connect();
    window.addEventListener("online", online);
    const pending = timers.current;
    return () => {
      disposed = true;
      clearTimeout(retry);
      window.removeEventListener("online", online);
      source?.close();
      for (const timer of pending.values()) clearTimeout(timer);
    };
  }, [dismiss]);

  return (
    <>
      <Link
        to="/notifications"
        className={`notification-bell${unread ? " has-unread" : ""}`}
        aria-label={t("bell.label", { count: unread })}
        title={t("bell.label", { count: unread })}
        data-live={live}
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20" focusable="false">
          <path
            fill="currentColor"
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
          />
        </svg>
        <span className="bell-count" data-testid="unread-count">
          {unread > 99 ? "99+" : unread}
        </span>
      </Link>
      {owed > 0 ? (
        <Link to="/acknowledgements" className="owed-link" title={t("bell.owed", { count: owed })}>
          {t("bell.owedShort", { count: owed })}
        </Link>
      ) : null}
      <div className="toasts" role="status" aria-live="polite" aria-relevant="additions">
        {toasts.map((n) => (
          <div key={n.id} className="toast" data-id={n.id}>
            <a className="toast-title" href={`/notifications/${n.id}`}>
              {n.title}
            </a>
            {n.body ? <p className="toast-body">{n.body}</p> : null}
            <button type="button" className="toast-close link-button" onClick={() => dismiss(n.id)} aria-label={t("bell.dismiss")}>
              ×
            </button>
          </div>
        ))}
      </div>
    </>
  );
}
