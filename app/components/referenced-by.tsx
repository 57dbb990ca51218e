import { Link } from "@remix-run/react";
import { useT } from "~/i18n/use-t";

export interface ReferencedByData {
  documents: { number: string; title: string }[];
  hidden: number;
}

/** "Referenced by": the current documents that cite this one, as far as the reader may see them (decision 089). */
export function ReferencedByPanel({ number, referencedBy, titleKey = "doc.refs.title", noneKey = "doc.refs.none", children }: {
  number: string;
  referencedBy: ReferencedByData;
  titleKey?: string;
  noneKey?: string;
  children?: React.ReactNode;
}) {
  const t = useT();
  const count = referencedBy.documents.length + referencedBy.hidden;
  return (
    <section className="panel referenced-by" aria-labelledby="referenced-by-title" data-count={count}>
      <h2 id="referenced-by-title" className="h3">
        {t(titleKey, { count, number })}
      </h2>
      {children}
      {count === 0 ? <p className="muted">{t(noneKey, { number })}</p> : null}
      {referencedBy.documents.length ? (
        <ul className="referenced-by-list">
          {referencedBy.documents.map((d) => (
            <li key={d.number}>
              <Link to={`/docs/${d.number}`}>
                <span className="doc-number">{d.number}</span> {d.title}
              </Link>
            </li>
          ))}
        </ul>
      ) : null}
      {referencedBy.hidden ? <p className="muted small">{t("doc.refs.hidden", { count: referencedBy.hidden })}</p> : null}
    </section>
  );
}
