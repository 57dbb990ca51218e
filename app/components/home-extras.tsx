import { AccessHomePanel, type AccessHomeData } from "~/components/access-home-panel";
import { AcknowledgementsPanel, type AcknowledgementsExtra } from "~/components/acknowledgements-panel";
import { OnboardingPanel } from "~/onboarding/home-panel";
import type { OnboardingHomePanel } from "~/onboarding/boot.server";

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
    </>
  );
}
