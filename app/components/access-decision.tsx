import { Form } from "@remix-run/react";
import { CsrfField } from "~/components/csrf-field";
import { fieldErrorText, type AccessActionResult } from "~/components/access-ui";
import { useT } from "~/i18n/use-t";

export interface DecisionItem {
  id: string;
  kind: "request" | "emergency";
  days: number;
  scope: "all" | "sections";
  sectionChoices?: { id: string; title: string; depth: number; suggested: boolean }[];
}

/**
 * Approve (possibly for fewer days, and for a sections request the sections
 * to grant) or reject with a reason. Plain POST forms: they work without JS.
 */
export function DecisionForms({ item, action, result }: { item: DecisionItem; action?: string; result?: AccessActionResult }) {
  const t = useT();
  const mine = result?.id === item.id ? result : undefined;
  const emergency = item.kind === "emergency";
  return (
    <div className="access-decision">
      <Form method="post" action={action} className="access-approve" aria-label={emergency ? t("access.ratify") : t("access.approve")}>
        <CsrfField />
        <input type="hidden" name="id" value={item.id} />
        <input type="hidden" name="intent" value="approve" />
        {item.scope === "sections" && item.sectionChoices ? (
          <fieldset className="access-sections">
            <legend>{t("access.decide.sections")}</legend>
            <input type="hidden" name="sectionsShown" value="1" />
            {item.sectionChoices.length === 0 ? <p className="muted small">{t("access.decide.noSections")}</p> : null}
            {item.sectionChoices.map((s) => (
              <label key={s.id} className={`access-section depth-${s.depth}`}>
                <input type="checkbox" name="sections" value={s.id} defaultChecked={s.suggested} /> {s.title}{" "}
                <code className="muted small">#{s.id}</code>
              </label>
            ))}
            {fieldErrorText(t, mine, "sections") ? <p className="field-error">{fieldErrorText(t, mine, "sections")}</p> : null}
          </fieldset>
        ) : null}
        <label>
          {t("access.decide.days")}{" "}
          <input
            type="number"
            name="days"
            min={1}
            max={item.days}
            defaultValue={item.days}
            required
            className="access-days"
            aria-describedby={`days-hint-${item.id}`}
          />
        </label>
        <span className="muted small" id={`days-hint-${item.id}`}>
          {t("access.decide.daysHint", { days: item.days })}
        </span>
        {fieldErrorText(t, mine, "days") ? <p className="field-error">{fieldErrorText(t, mine, "days")}</p> : null}
        <label>
          {t("access.decide.note")} <input name="note" maxLength={1000} />
        </label>
        <button type="submit">{emergency ? t("access.ratify") : t("access.approve")}</button>
      </Form>
      <Form method="post" action={action} className="access-reject" aria-label={t("access.reject")}>
        <CsrfField />
        <input type="hidden" name="id" value={item.id} />
        <input type="hidden" name="intent" value="reject" />
        <label>
          {t("access.decide.reason")}{" "}
          <textarea name="reason" rows={2} minLength={3} maxLength={1000} required />
        </label>
        {fieldErrorText(t, mine, "reason") ? <p className="field-error">{fieldErrorText(t, mine, "reason")}</p> : null}
        <button type="submit" className="danger">
          {emergency ? t("access.rejectEmergency") : t("access.reject")}
        </button>
      </Form>
    </div>
  );
}
