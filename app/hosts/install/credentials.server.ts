// An installation's OAuth tokens at rest (host_credential): AES-256-GCM, with the business id as
// associated data so a ciphertext copied onto another business's row does not decrypt.
// Access tokens are refreshed lazily when a host API call needs one. Hosts that rotate refresh
// tokens (Jobber) kill the old one at once, so two processes refreshing together would lock one
// of them out: refreshes of one business are serialised by a row lock on its credential, and the
// new refresh token is always stored.
import type { PrismaClient } from "~/generated/prisma/client";
import type { Tx } from "~/domain/types";
import type { Clock } from "~/lib/clock.server";
import { decryptSecret, encryptSecret } from "~/lib/crypto.server";
import type { Logger } from "~/logger.server";
import { type Connector, HostApiError, type HostApiAccess, type HostTokens } from "../connector";

/** Refresh this long before the stated expiry: a token must survive the call it is used for. */
export const REFRESH_MARGIN_MS = 60_000;
/** How long a refresh may hold its business's credential lock (the host's token endpoint is slow at worst). */
const REFRESH_TRANSACTION_MS = 60_000;

export async function storeHostTokens(db: Tx, key: Buffer, businessId: string, tokens: HostTokens): Promise<void> {
  const data = {
    accessTokenEnc: encryptSecret(key, tokens.accessToken, businessId),
    refreshTokenEnc: tokens.refreshToken ? encryptSecret(key, tokens.refreshToken, businessId) : null,
    accessExpiresAt: tokens.accessExpiresAt ?? null,
    scopes: tokens.scopes.join(" "),
  };
  await db.hostCredential.upsert({ where: { businessId }, create: { businessId, ...data }, update: data });
}

/** The decrypted tokens of a business, or null when it has none (never installed, or uninstalled). */
export async function readHostTokens(db: Tx, key: Buffer, businessId: string): Promise<HostTokens | null> {
  const row = await db.hostCredential.findUnique({ where: { businessId } });
  if (!row) return null;
  return {
    accessToken: decryptSecret(key, row.accessTokenEnc, businessId),
    ...(row.refreshTokenEnc ? { refreshToken: decryptSecret(key, row.refreshTokenEnc, businessId) } : {}),
    ...(row.accessExpiresAt ? { accessExpiresAt: row.accessExpiresAt } : {}),
    scopes: row.scopes.split(" ").filter(Boolean),
  };
}

/** The host rejected the access token before its stated expiry: make the next use refresh it. */
export async function expireAccessToken(db: Tx, businessId: string, now: Date): Promise<void> {
  await db.hostCredential.updateMany({ where: { businessId }, data: { accessExpiresAt: now } });
}

export interface HostApiAccessDeps {
  db: PrismaClient;
  clock: Clock;
  encryptionKey: Buffer;
  connector: Pick<Connector, "host" | "refresh">;
  logger?: Logger;
}

function needsRefresh(expiresAt: Date | null, now: Date): boolean {
  return expiresAt !== null && expiresAt.getTime() - REFRESH_MARGIN_MS <= now.getTime();
}

/** Thrown when a host API call needs a token the business no longer has. */
export class MissingHostCredentialError extends HostApiError {
  constructor(host: string) {
    super(host, "No stored token for this installation (uninstalled?)", { code: "no_credential", retryable: false });
  }
}

/**
 * A business's access to its host's API, for Connector.toDomainEvents: the decrypted access
 * token, refreshed first when it is (about to be) expired. Nothing is read until a connector asks.
 */
export function createHostApiAccess(deps: HostApiAccessDeps, businessId: string): HostApiAccess {
  const { db, encryptionKey: key, connector } = deps;
  let cached: string | undefined;
  return {
    async accessToken() {
      if (cached) return cached;
      const row = await db.hostCredential.findUnique({ where: { businessId } });
      if (!row) throw new MissingHostCredentialError(connector.host);
      if (!needsRefresh(row.accessExpiresAt, deps.clock.now())) {
        cached = decryptSecret(key, row.accessTokenEnc, businessId);
        return cached;
      }
      cached = await refreshLocked(deps, businessId);
      return cached;
    },
  };
}

async function refreshLocked(deps: HostApiAccessDeps, businessId: string): Promise<string> {
  const { db, encryptionKey: key, connector } = deps;
  return db.$transaction(
    async (tx) => {
      // Whoever holds this lock is the only one refreshing this business's token right now.
      const [row] = await tx.$queryRaw<
        { access_token_enc: string; refresh_token_enc: string | null; access_expires_at: Date | null }[]
      >`SELECT access_token_enc, refresh_token_enc, access_expires_at
          FROM host_credential WHERE business_id = ${businessId}::uuid FOR UPDATE`;
      if (!row) throw new MissingHostCredentialError(connector.host);
      // Refreshed by someone else while we waited for the lock: use theirs.
      if (!needsRefresh(row.access_expires_at, deps.clock.now())) {
        return decryptSecret(key, row.access_token_enc, businessId);
      }
      if (!row.refresh_token_enc) {
        // Nothing to refresh with: try the token we have; the host will say if it is dead.
        return decryptSecret(key, row.access_token_enc, businessId);
      }
      const tokens = await connector.refresh(decryptSecret(key, row.refresh_token_enc, businessId));
      await storeHostTokens(tx, key, businessId, tokens);
      deps.logger?.info({ host: connector.host, businessId }, "host access token refreshed");
      return tokens.accessToken;
    },
    { timeout: REFRESH_TRANSACTION_MS, maxWait: REFRESH_TRANSACTION_MS },
  );
}
