import { Link } from "@remix-run/react";
import { useT } from "~/i18n/use-t";

/** What a reader without access sees instead of the body: why, and how to ask. */
export function AccessDenied({ number, reason }: { number: string; reason: "department" | "restricted" | "history" }) {
  const t = useT();
  return (
    <section className="panel" aria-labelledby="denied-title">
      <h2 id="denied-title">{t("doc.noAccessTitle")}</h2>
      <p>{t(`doc.noAccess.${reason}`)}</p>
      <p>
        <Link className="button" to={`/access/request?number=${encodeURIComponent(number)}`}>
          {t("doc.requestAccess")}
        </Link>
      </p>
    </section>
  );
}
