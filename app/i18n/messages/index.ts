// Each domain registers its catalog here (one import line each).
import core from "./core";
import search from "./search";
import access from "./access";
import backup from "./backup";
import print from "./print";
import revisions from "./revisions";
import importCatalog from "./import";
import onboarding from "./onboarding";
import dashboard from "./dashboard";
import notifications from "./notifications";
import errors from "./errors";
import directory from "./directory";

export interface Catalog {
  en: Record<string, string>;
  "zh-CN": Record<string, string>;
}

export const catalogs: Catalog[] = [core, search, print, importCatalog, onboarding, dashboard, backup, access, notifications, revisions, errors, directory];
