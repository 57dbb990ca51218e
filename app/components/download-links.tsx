import { useT } from "~/i18n/use-t";

/** Word and PDF downloads of a version (PDF only when the server can make one). */
export function DownloadLinks({ number, version, pdf }: { number: string; version?: number; pdf: boolean }) {
  const t = useT();
  const query = version === undefined ? "" : `?version=${version}`;
  return (
    <p className="download-links small">
      <span className="muted">{t("download.title")}:</span>{" "}
      <a href={`/docs/${number}/download.docx${query}`} download>
        {t("download.docx")}
      </a>
      {pdf ? (
        <>
          {" · "}
          <a href={`/docs/${number}/download.pdf${query}`} download>
            {t("download.pdf")}
          </a>
        </>
      ) : null}
    </p>
  );
}
