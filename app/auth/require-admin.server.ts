// The route-facing form of authenticateAdmin, bound to the process's services.
import { getServices } from "~/services.server";
import { authenticateAdmin, type AdminContext } from "./admin.server";

export function requireAdmin(request: Request): Promise<AdminContext> {
  const { database, domain, hosts } = getServices();
  return authenticateAdmin(request, { db: database.prisma, clock: domain.clock, sessionKeys: hosts.sessionKeys() });
}
