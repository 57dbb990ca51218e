import { Link } from "@remix-run/react";
import { StatusBadge } from "~/components/access-ui";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";

export interface AccessHomeData {
  waiting: number;
  mine: { id: string; number: string; title: string; kind: string; status: string; expiresAt?: string }[];
}

/** Home panel: requests waiting for my decision, and my own recent requests. */
export function AccessHomePanel({ data }: { data: AccessHomeData }) {
  const t = useT();
  const locale = useLocale();
  if (!data.waiting && data.mine.length === 0) return null;
  return (
    <section className="panel access-home" aria-labelledby="access-home-title">
      <h2 id="access-home-title">{t("access.home.title")}</h2>
      {data.waiting ? (
        <p>
          <Link to="/access/queue" className="button">
            {t("access.home.waiting", { count: data.waiting })}
          </Link>
        </p>
      ) : null}
      {data.mine.length ? (
        <>
          <h3 className="small">{t("access.home.mine")}</h3>
          <ul className="access-home-list">
            {data.mine.map((r) => (
              <li key={r.id}>
                <Link to={`/access/requests/${r.id}`} className="doc-number">
                  {r.number}
                </Link>{" "}
                {r.title} <StatusBadge status={r.status} />
                {r.expiresAt ? <span className="muted small"> {t("access.until", { date: formatDate(r.expiresAt, locale, true) })}</span> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
