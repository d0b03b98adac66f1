// The route-facing form of authenticateAdmin, bound to the process's services.
import { getServices } from "~/services.server";
import { authenticateAdmin, type AdminContext } from "./admin.server";
import type { SessionPolicy } from "./admin-session.server";

export function sessionPolicy(env: { ADMIN_SESSION_IDLE_HOURS: number; ADMIN_SESSION_MAX_DAYS: number; APP_URL: string }): SessionPolicy {
  return { idleMs: env.ADMIN_SESSION_IDLE_HOURS * 3_600_000, maxAgeMs: env.ADMIN_SESSION_MAX_DAYS * 86_400_000, appUrl: env.APP_URL };
}

export function requireAdmin(request: Request): Promise<AdminContext> {
  const { database, domain, hosts, env } = getServices();
  return authenticateAdmin(request, { db: database.prisma, clock: domain.clock, sessionKeys: hosts.sessionKeys(), sessions: sessionPolicy(env) });
}
