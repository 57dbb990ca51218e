/**
 * Shapes of the revision workflow's records (lowdb collections "proposals" and
 * "suggestions"). No server dependencies, so pages and the dashboard can share
 * them. The proposed text itself is not here: it lives on the proposal's git
 * branch (see docs/decisions/010-proposal-drafts-on-branches.md).
 */
import type { DocumentMeta } from "~/documents/front-matter";

/** The Change trailer a proposal publishes with. */
export type ProposalChange = "minor" | "major" | "new" | "retire" | "restore";

export const PROPOSAL_STATUSES = ["draft", "in-review", "changes-requested", "rejected", "needs-update", "scheduled", "published", "withdrawn"] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

/** Statuses in which the author may edit the text and submit it (again). */
export const EDITABLE_STATUSES: readonly ProposalStatus[] = ["draft", "changes-requested", "rejected", "needs-update"];
/** Statuses of a proposal that is still open (not published, not withdrawn). */
export const OPEN_STATUSES: readonly ProposalStatus[] = ["draft", "in-review", "changes-requested", "rejected", "needs-update", "scheduled"];

export type DecisionKind =
  | "created"
  | "submitted"
  | "approved"
  | "rejected"
  | "changes-requested"
  | "recalled"
  | "withdrawn"
  | "updated"
  | "returned"
  | "scheduled"
  | "published"
  | "rerouted";

export interface PersonRef {
  id: string;
  username: string;
  name: string;
}

/** One entry of a proposal's record: who did what, when, why, and (for approvals) the signature. */
export interface Decision {
  at: string;
  by: PersonRef;
  decision: DecisionKind;
  /** Stage index and routing token the decision was made at (approvals, rejections). */
  stage?: number;
  stageToken?: string;
  /** "approval", "pre-review" or "final"; with the decision it gives the signature's meaning. */
  stageRole?: StageRole;
  reason?: string;
  /** Signature meaning in words, e.g. "approved as final review". Present when the password was re-entered. */
  meaning?: string;
  signed?: boolean;
  /** How the signer was authenticated for the signature: "password" (checked here), "ldap-bind" (checked by the directory) or "oidc:<provider>" (re-authenticated there). */
  signedWith?: string;
  /** The draft commit the decision was made on (binds an approval to exact content). */
  contentCommit?: string;
  /** For "updated": the base version the proposal moved to; for "published": the new version. */
  version?: number;
  /** For "updated": how many conflicts the editor resolved (0: the change merged cleanly). */
  conflicts?: number;
  /** For "scheduled": the day the new version takes effect. */
  effectiveDate?: string;
  /** Stage decisions: when the stage started waiting and when it was due (service level). */
  stageStartedAt?: string;
  dueAt?: string;
}

export type StageRole = "approval" | "pre-review" | "final";

/** The stage currently waiting (or last reached). */
export interface StageState {
  index: number;
  token: string;
  role: StageRole;
  startedAt: string;
  dueAt: string;
  approverIds: string[];
  /** When the overdue flag was raised for this stage (once). */
  overdueFlaggedAt?: string;
}

export interface Proposal {
  id: string;
  number: string;
  /** What the proposal does: revise text, create, retire, or restore an old text. */
  kind: "revision" | "new" | "retire" | "restore";
  change: ProposalChange;
  /** Proposed metadata (title, type, owner, confidentiality, audience). Dates are set at publication. */
  meta: DocumentMeta;
  summary: string;
  /** Version of the document the proposal is based on (0 for a new document). */
  baseVersion: number;
  /** Main-line commit of the base version (null for a new document). */
  baseCommit: string | null;
  /** Git branch holding the draft, e.g. refs/heads/proposals/P-0001. */
  ref: string;
  /** Latest draft commit on the branch. */
  headCommit: string;
  /** Requested effective date (YYYY-MM-DD); absent = on approval. */
  effectiveDate?: string;
  /** For restore proposals: the version whose text is restored. */
  restoreOf?: number;
  /** Suggestion this proposal was made from. */
  fromSuggestion?: string;
  author: PersonRef & { departmentId: string };
  createdAt: string;
  updatedAt: string;
  submittedAt?: string;
  status: ProposalStatus;
  /** Routing tokens fixed at submission, e.g. ["owner-head", "category-final"]. */
  stages: string[];
  /** The stage waiting for a decision while in review. */
  stage?: StageState;
  /** Stages an administrator re-routed in this round: stage index → user id (cleared at each submission). */
  routeOverrides?: Record<string, string>;
  decisions: Decision[];
  publishedVersion?: number;
  publishedCommit?: string;
  publishedAt?: string;
  scheduledFor?: string;
}

export type SuggestionStatus = "open" | "accepted" | "declined";

export interface Suggestion {
  id: string;
  number: string;
  /** Owner department when the suggestion was made (who triages it). */
  ownerDepartment: string;
  /** The version the suggester was reading. */
  version: number;
  text: string;
  by: PersonRef & { departmentId: string };
  createdAt: string;
  status: SuggestionStatus;
  decidedAt?: string;
  decidedBy?: PersonRef;
  reason?: string;
  proposalId?: string;
}
