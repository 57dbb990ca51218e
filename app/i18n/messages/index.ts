// Each domain registers its catalog here (one import line each).
import core from "./core";
import search from "./search";
import ocr from "./ocr";
import access from "./access";
import oidc from "./oidc";
import backup from "./backup";
import print from "./print";
import editor from "./editor";
import attachments from "./attachments";
import revisions from "./revisions";
import importCatalog from "./import";
import consolidation from "./consolidation";
import onboarding from "./onboarding";
import dashboard from "./dashboard";
import notifications from "./notifications";
import errors from "./errors";
import directory from "./directory";

export interface Catalog {
  en: Record<string, string>;
  "zh-CN": Record<string, string>;
}

export const catalogs: Catalog[] = [core, search, ocr, print, editor, attachments, importCatalog, consolidation, onboarding, dashboard, backup, access, oidc, notifications, revisions, errors, directory];
