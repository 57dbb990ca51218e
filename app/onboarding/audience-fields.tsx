/** Who a guide is for: roles and departments (editors compose for their own department only). */
import { ROLES } from "~/data/schema";
import { nameOf, type Names } from "~/components/labels";
import { useLocale, useT } from "~/i18n/use-t";

export function AudienceFields({
  admin,
  ownDepartment,
  labels,
  roles,
  departmentIds,
  fieldErrors,
}: {
  admin: boolean;
  ownDepartment: string;
  labels: { departments: Names };
  roles: string[];
  departmentIds: string[];
  fieldErrors: Record<string, string>;
}) {
  const t = useT();
  const locale = useLocale();
  return (
    <>
      <fieldset className="field">
        <legend>{t("onboarding.roles")}</legend>
        <div className="checks">
          {ROLES.map((r) => (
            <label key={r}>
              <input type="checkbox" name="roles" value={r} defaultChecked={roles.includes(r)} /> {t(`role.${r}`)}
            </label>
          ))}
        </div>
        <p className="field-hint">{t("onboarding.rolesHint")}</p>
      </fieldset>
      <fieldset className="field">
        <legend>{t("onboarding.departments")}</legend>
        {admin ? (
          <>
            <div className="checks">
              {Object.keys(labels.departments).map((d) => (
                <label key={d}>
                  <input type="checkbox" name="departmentIds" value={d} defaultChecked={departmentIds.includes(d)} /> {nameOf(labels.departments, d, locale)}
                </label>
              ))}
            </div>
            <p className="field-hint">{t("onboarding.departmentsHint")}</p>
          </>
        ) : (
          <p>{t("onboarding.ownDepartment", { department: nameOf(labels.departments, ownDepartment, locale) })}</p>
        )}
        {fieldErrors.departmentIds ? <p className="field-error">{fieldErrors.departmentIds}</p> : null}
      </fieldset>
    </>
  );
}

