// Which transports a business's messages go through: the same choice the touch processor makes
// (processor.server.ts transportsFor): its host's own transports when the host has some (the
// sandbox's pretend businesses: always the outbox), otherwise the deployment's email and SMS.
import type { ProcessorDeps } from "~/engine/processor.server";
import { OUTBOX_PROVIDER, type Transports } from "~/engine/transports/index.server";

export interface BusinessTransports extends Transports {
  /** The host's own transports were chosen (the outbox on purpose), not the deployment's. */
  hostOverride: boolean;
}

export function transportsForBusiness(processor: Pick<ProcessorDeps, "email" | "sms" | "hostTransports">, host: string): BusinessTransports {
  const own = processor.hostTransports?.[host];
  return own ? { email: own.email, sms: own.sms, hostOverride: true } : { email: processor.email, sms: processor.sms, hostOverride: false };
}

export function goesToOutbox(transport: { provider: string }): boolean {
  return transport.provider === OUTBOX_PROVIDER;
}
