// React side of the session-token bridge: the /app layout installs the authenticated fetch, and
// the error page of a failed load (401: the document was loaded without a valid id_token, e.g. the
// frame was reloaded on a deep link) asks the parent for a token and reloads once with it.
import { useEffect, useLayoutEffect, useState } from "react";
import {
  createSessionTokenSource,
  installAuthenticatedFetch,
  installCsrfFetch,
  reauthenticatedUrl,
  type BridgeWindow,
} from "./session-token";

// Layout effects run before any child's passive effects, so the patch is in place before a page
// can fetch; on the server neither runs.
const useIsomorphicLayoutEffect = typeof window === "undefined" ? useEffect : useLayoutEffect;

export type FrameState = "unknown" | "framed" | "top";

/** Whether the page runs inside the host admin's frame; "unknown" on the server and first render. */
export function useFrameState(): FrameState {
  const [state, setState] = useState<FrameState>("unknown");
  useEffect(() => {
    setState(window.parent !== window ? "framed" : "top");
  }, []);
  return state;
}

/** The standalone admin: every mutation carries the session's CSRF token. */
export function useCsrfFetch(csrfToken: string | null): void {
  useIsomorphicLayoutEffect(() => {
    if (!csrfToken) return;
    return installCsrfFetch(window, csrfToken);
  }, [csrfToken]);
}

/** Installs the authenticated fetch while the page is inside the host admin's frame. */
export function useSessionTokenBridge(adminOrigin: string | null): void {
  useIsomorphicLayoutEffect(() => {
    // Checked here rather than through useFrameState, so the patch is in place on the first pass.
    if (!adminOrigin || window.parent === window) return;
    const source = createSessionTokenSource({ win: window as unknown as BridgeWindow, adminOrigin });
    const uninstall = installAuthenticatedFetch(window, source);
    return () => {
      uninstall();
      source.dispose();
    };
  }, [adminOrigin]);
}

const REAUTH_KEY = "kudos:reauth-at";
/** A second 401 this soon after reloading with a fresh token is not retried (no reload loop). */
const REAUTH_QUIET_MS = 30_000;

function recentlyReauthenticated(): boolean {
  try {
    const at = Number(window.sessionStorage.getItem(REAUTH_KEY));
    return Number.isFinite(at) && Date.now() - at < REAUTH_QUIET_MS;
  } catch {
    return true;
  }
}

export type RecoveryState = "idle" | "recovering" | "failed" | "top";

/** On a 401 inside the frame: fetch a fresh token from the parent and reload the page with it. */
export function useSessionRecovery(unauthorized: boolean): RecoveryState {
  const [state, setState] = useState<RecoveryState>("idle");
  useEffect(() => {
    if (!unauthorized) return;
    if (window.parent === window) {
      setState("top");
      return;
    }
    if (recentlyReauthenticated()) {
      setState("failed");
      return;
    }
    setState("recovering");
    const source = createSessionTokenSource({ win: window as unknown as BridgeWindow, adminOrigin: null });
    let cancelled = false;
    source
      .getToken()
      .then((token) => {
        if (cancelled) return;
        window.sessionStorage.setItem(REAUTH_KEY, String(Date.now()));
        window.location.replace(reauthenticatedUrl(window.location.href, token));
      })
      .catch(() => {
        if (!cancelled) setState("failed");
      })
      .finally(() => source.dispose());
    return () => {
      cancelled = true;
    };
  }, [unauthorized]);
  return state;
}
