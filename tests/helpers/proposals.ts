/**
 * The proposals' record and every proposal command as one object, for tests
 * that drive the workflow directly (each command is a module of its own in
 * app/revisions/commands/, decision 083). Imported lazily, like the modules
 * themselves, so a test's environment is set first.
 */
export async function proposals() {
  const modules = await Promise.all([
    import("~/revisions/proposals.server"),
    import("~/revisions/commands/create.server"),
    import("~/revisions/commands/update-draft.server"),
    import("~/revisions/commands/submit.server"),
    import("~/revisions/commands/recall.server"),
    import("~/revisions/commands/withdraw.server"),
    import("~/revisions/commands/decide.server"),
    import("~/revisions/commands/publish-due.server"),
    import("~/revisions/commands/reconcile.server"),
    import("~/revisions/commands/reroute.server"),
    import("~/revisions/commands/flag-overdue.server"),
  ]);
  return Object.assign({}, ...modules) as (typeof modules)[0] &
    (typeof modules)[1] &
    (typeof modules)[2] &
    (typeof modules)[3] &
    (typeof modules)[4] &
    (typeof modules)[5] &
    (typeof modules)[6] &
    (typeof modules)[7] &
    (typeof modules)[8] &
    (typeof modules)[9] &
    (typeof modules)[10];
}
