/** Limits of the access workflow, shared by the server and the forms. */

/** Shortest and longest period a request may ask for, in days. */
export const MIN_DAYS = 1;
export const MAX_DAYS = 90;
/** Working days an approver has to decide a request. */
export const DECISION_WORKING_DAYS = 3;
/** Days within which emergency access must be ratified. */
export const RATIFY_DAYS = 7;
