// The contextual save bar of the admin's forms, and their leave-page guard: unsaved changes are
// never lost silently. Polaris 13 moved ContextualSaveBar to App Bridge, which this app does not
// use, so this is our own: a bar fixed over the top bar ("Unsaved changes", Discard, Save), a
// confirmation when a link or the back button would leave the page (Remix's useBlocker), and the
// browser's own prompt when the tab is closed or reloaded (beforeunload). One per page.
import { useBlocker } from "@remix-run/react";
import { Box, Button, InlineStack, Modal, Text } from "@shopify/polaris";
import { useEffect, useRef } from "react";
import { guardState, isLeaving } from "../unsaved";

export interface SaveBarProps {
  /** The form differs from what is saved: the bar shows and leaving the page asks first. */
  dirty: boolean;
  /** A save is in flight: a navigation asked for meanwhile waits for its answer. */
  saving: boolean;
  onSave(): void;
  onDiscard(): void;
  /** Show the bar even when nothing changed yet (a form that creates something). */
  alwaysVisible?: boolean;
  message?: string;
  saveDisabled?: boolean;
}

export function SaveBar({ dirty, saving, onSave, onDiscard, alwaysVisible = false, message = "Unsaved changes", saveDisabled = false }: SaveBarProps) {
  // The blocker reads the latest value, not the one of the render that registered it.
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirtyRef.current && isLeaving(currentLocation, nextLocation));
  const state = guardState(blocker.state === "blocked", dirty, saving);

  useEffect(() => {
    if (state === "proceed") blocker.proceed?.();
  }, [state, blocker]);

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      // Older browsers show the prompt only when returnValue is set.
      e.returnValue = "";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  return (
    <>
      {dirty || alwaysVisible ? (
        <div
          role="region"
          aria-label={message}
          style={{
            position: "fixed",
            top: 0,
            left: 0,
            right: 0,
            // Over the top bar, under modals and toasts: where Polaris put its own save bar.
            zIndex: "var(--p-z-index-5)",
          }}
        >
          <Box background="bg-surface" paddingInline="400" paddingBlock="300" shadow="300" borderBlockEndWidth="025" borderColor="border">
            <div style={{ minHeight: "calc(var(--pg-top-bar-height) - 2 * var(--p-space-300))", display: "flex", alignItems: "center" }}>
              <div style={{ flex: 1, minWidth: 0 }}>
                <InlineStack align="space-between" blockAlign="center" gap="200" wrap={false}>
                  <Text as="p" variant="headingSm" truncate>
                    {message}
                  </Text>
                  <InlineStack gap="200" wrap={false}>
                    <Button onClick={onDiscard} disabled={saving || !dirty}>
                      Discard
                    </Button>
                    <Button variant="primary" onClick={onSave} loading={saving} disabled={saveDisabled}>
                      Save
                    </Button>
                  </InlineStack>
                </InlineStack>
              </div>
            </div>
          </Box>
        </div>
      ) : null}
      {state === "asking" ? (
        <Modal
          open
          onClose={() => blocker.reset?.()}
          title="Leave page with unsaved changes?"
          primaryAction={{
            content: "Leave page",
            destructive: true,
            onAction: () => {
              onDiscard();
              blocker.proceed?.();
            },
          }}
          secondaryActions={[{ content: "Stay", onAction: () => blocker.reset?.() }]}
        >
          <Modal.Section>
            <Text as="p">Leaving this page will discard your unsaved changes.</Text>
          </Modal.Section>
        </Modal>
      ) : null}
    </>
  );
}
