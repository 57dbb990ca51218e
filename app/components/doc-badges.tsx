import { useT } from "~/i18n/use-t";

/** Badges for a document's state and confidentiality. */
export function DocBadges({ retired, confidentiality, superseded }: { retired?: boolean; confidentiality?: string; superseded?: number }) {
  const t = useT();
  return (
    <>
      {superseded ? (
        <span className="badge badge-superseded">{t("doc.superseded", { current: superseded })}</span>
      ) : retired ? (
        <span className="badge badge-retired">{t("doc.retired")}</span>
      ) : (
        <span className="badge badge-current">{t("doc.current")}</span>
      )}{" "}
      {confidentiality && confidentiality !== "internal" ? (
        <span className={`badge badge-${confidentiality}`}>{t(`doc.conf.${confidentiality}`)}</span>
      ) : null}
    </>
  );
}
