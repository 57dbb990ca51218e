import { AccessHomePanel, type AccessHomeData } from "~/components/access-home-panel";
import { AcknowledgementsPanel, type AcknowledgementsExtra } from "~/components/acknowledgements-panel";

/**
 * Panels shown on the home page above the categories, keyed by the provider
 * names registered in app/home.server.ts. Domains add their panel here.
 */
export function HomeExtras({ extras }: { extras: Record<string, unknown> }) {
  return (
    <>
      {extras.access ? <AccessHomePanel data={extras.access as AccessHomeData} /> : null}
      {extras.acknowledgements ? <AcknowledgementsPanel data={extras.acknowledgements as AcknowledgementsExtra} /> : null}
    </>
  );
}
