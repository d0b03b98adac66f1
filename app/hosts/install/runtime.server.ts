// The install routes' dependencies, from the process's services. The sandbox host gets its
// post-install step (demo settings, then its admin shell).
import { sessionPolicy } from "~/auth/require-admin.server";
import { logger } from "~/logger.server";
import { getServices, type Services } from "~/services.server";
import type { InstallDeps } from "./install.server";
import { sandboxAfterInstall } from "../sandbox/deps.server";
import { SANDBOX_HOST } from "../sandbox/platform.server";
import { getSandboxStore } from "../sandbox/store.server";

export function getInstallDeps(host: string, services: Services = getServices()): InstallDeps {
  const db = services.database.prisma;
  return {
    db,
    clock: services.domain.clock,
    hosts: services.hosts,
    logger,
    appUrl: services.env.APP_URL,
    linkSecret: services.secrets.linkSecret,
    encryptionKey: services.secrets.encryptionKey,
    sessions: sessionPolicy(services.env),
    ...(host === SANDBOX_HOST && services.env.SANDBOX_HOST
      ? { afterInstall: sandboxAfterInstall(getSandboxStore(services.env.DATA_DIR), db) }
      : {}),
  };
}
