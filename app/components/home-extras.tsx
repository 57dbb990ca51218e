import { AccessHomePanel, type AccessHomeData } from "~/components/access-home-panel";
import { AcknowledgementsPanel, type AcknowledgementsExtra } from "~/components/acknowledgements-panel";
import { RevisionsHomePanel, type RevisionsHomeData } from "~/components/revisions-home-panel";
import { OnboardingPanel } from "~/onboarding/home-panel";
import type { OnboardingHomePanel } from "~/onboarding/progress.server";

/**
 * Panels shown on the home page above the categories, keyed by the provider
 * names registered in app/home.server.ts. Domains add their panel here.
 */
export function HomeExtras({ extras }: { extras: Record<string, unknown> }) {
  return (
    <>
      {extras.onboarding ? <OnboardingPanel data={extras.onboarding as OnboardingHomePanel} /> : null}
      {extras.access ? <AccessHomePanel data={extras.access as AccessHomeData} /> : null}
      {extras.acknowledgements ? <AcknowledgementsPanel data={extras.acknowledgements as AcknowledgementsExtra} /> : null}
      {extras.revisions ? <RevisionsHomePanel data={extras.revisions as RevisionsHomeData} /> : null}
    </>
  );
}
