// Toasts for the admin pages: the layout renders them inside Polaris's Frame; pages call
// useToast() after a successful save. Messages can also come back from a redirect as a notice code
// in the query string (?notice=campaign_created), shown once per navigation.
import { useLocation } from "@remix-run/react";
import { Toast } from "@shopify/polaris";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

export interface ToastApi {
  show(message: string, opts?: { error?: boolean }): void;
}

const ToastContext = createContext<ToastApi>({ show: () => {} });

export const NOTICES: Record<string, string> = {
  campaign_created: "Campaign created: review it and activate it when ready",
  campaign_deleted: "Campaign deleted",
  template_created: "Template created",
  template_duplicated: "Template duplicated",
  template_deleted: "Template deleted",
};

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toast, setToast] = useState<{ id: number; message: string; error: boolean } | null>(null);
  const seq = useRef(0);
  const show = useCallback((message: string, opts?: { error?: boolean }) => {
    seq.current += 1;
    setToast({ id: seq.current, message, error: opts?.error ?? false });
  }, []);
  const api = useMemo(() => ({ show }), [show]);

  const location = useLocation();
  const shownFor = useRef<string | null>(null);
  useEffect(() => {
    const notice = new URLSearchParams(location.search).get("notice");
    const message = notice ? NOTICES[notice] : undefined;
    if (message && shownFor.current !== location.key) {
      shownFor.current = location.key;
      show(message);
    }
  }, [location.key, location.search, show]);

  // Polaris 13's Toast renders its close button with an icon and no accessible name (axe:
  // button-name, critical): name each one as soon as Polaris puts it in the document.
  useEffect(() => {
    const name = () => {
      for (const b of document.querySelectorAll<HTMLButtonElement>(".Polaris-Frame-Toast__CloseButton:not([aria-label])")) {
        b.setAttribute("aria-label", "Dismiss notification");
      }
    };
    name();
    const observer = new MutationObserver(name);
    observer.observe(document.body, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, []);

  return (
    <ToastContext.Provider value={api}>
      {children}
      {toast ? <Toast key={toast.id} content={toast.message} error={toast.error} onDismiss={() => setToast(null)} /> : null}
    </ToastContext.Provider>
  );
}

export function useToast(): ToastApi {
  return useContext(ToastContext);
}

/** Shows a toast once for each new successful action result that carries a message. */
export function useResultToast(result: { ok: boolean; message?: string } | undefined): void {
  const { show } = useToast();
  const last = useRef<unknown>(undefined);
  useEffect(() => {
    if (!result || result === last.current) return;
    last.current = result;
    if (result.message) show(result.message, { error: !result.ok });
  }, [result, show]);
}
