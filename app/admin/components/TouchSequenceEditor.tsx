// The touch sequence of a campaign: up to four touches, each a channel, a delay (hours or days)
// and a template of that channel. Reordering uses Move up / Move down buttons (keyboard
// accessible; focus follows the moved touch and the move is announced). Every field is a named
// form control (touches.<i>.channel, .delay, .unit, .templateId) so the form posts what is shown.
import { BlockStack, Box, Button, Card, Divider, InlineGrid, InlineStack, Link, Select, Text, TextField } from "@shopify/polaris";
import { ArrowDownIcon, ArrowUpIcon, DeleteIcon, PlusIcon } from "@shopify/polaris-icons";
import { useState } from "react";
import { channelLabel } from "../labels";

export const MAX_TOUCHES = 4;

export type Channel = "email" | "sms";

export interface TouchState {
  /** Stable across reorders (React keys, focus). */
  key: string;
  channel: Channel;
  delay: string;
  unit: "hours" | "days";
  templateId: string;
}

export interface TemplateOption {
  id: string;
  name: string;
  channel: Channel;
  isSystem: boolean;
}

export type FieldErrors = Record<string, string>;

// Keys end up in element ids: the initial touches get keys from their position (the same on the
// server and in the browser), touches added in the browser get fresh ones.
let keySeq = 0;
export function initialTouchKey(index: number): string {
  return `touch-${index + 1}`;
}
export function newTouchKey(): string {
  keySeq += 1;
  return `touch-new-${keySeq}`;
}

export function templatesFor(templates: TemplateOption[], channel: Channel): TemplateOption[] {
  return templates.filter((t) => t.channel === channel);
}

function focusLater(...ids: string[]) {
  requestAnimationFrame(() => {
    for (const id of ids) {
      const el = document.getElementById(id) as HTMLButtonElement | null;
      if (el && !el.disabled) {
        el.focus();
        return;
      }
    }
  });
}

export function TouchSequenceEditor({
  touches,
  onChange,
  templates,
  errors,
  readOnly,
}: {
  touches: TouchState[];
  onChange(next: TouchState[], changedIndex?: number): void;
  templates: TemplateOption[];
  errors: FieldErrors;
  readOnly: boolean;
}) {
  const [announcement, setAnnouncement] = useState("");

  const update = (index: number, patch: Partial<TouchState>) => {
    onChange(
      touches.map((t, i) => (i === index ? { ...t, ...patch } : t)),
      index,
    );
  };

  const move = (index: number, direction: -1 | 1) => {
    const target = index + direction;
    if (target < 0 || target >= touches.length) return;
    const next = [...touches];
    const [moved] = next.splice(index, 1);
    next.splice(target, 0, moved!);
    onChange(next);
    setAnnouncement(`Touch moved to position ${target + 1} of ${touches.length}`);
    const key = moved!.key;
    focusLater(`${key}-${direction < 0 ? "up" : "down"}`, `${key}-${direction < 0 ? "down" : "up"}`);
  };

  const remove = (index: number) => {
    const next = touches.filter((_, i) => i !== index);
    onChange(next);
    setAnnouncement(`Touch ${index + 1} removed`);
    const neighbour = next[Math.min(index, next.length - 1)];
    if (neighbour) focusLater(`${neighbour.key}-channel`);
  };

  const add = () => {
    const last = touches[touches.length - 1];
    const channel: Channel = last?.channel === "email" ? "sms" : "email";
    const first = templatesFor(templates, channel)[0];
    const touch: TouchState = { key: newTouchKey(), channel, delay: "3", unit: "days", templateId: first?.id ?? "" };
    onChange([...touches, touch]);
    setAnnouncement(`Touch ${touches.length + 1} added`);
    focusLater(`${touch.key}-channel`);
  };

  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Touches
          </Text>
          <Text as="span" tone="subdued">
            {touches.length} of {MAX_TOUCHES}
          </Text>
        </InlineStack>
        <div aria-live="polite" role="status">
          <Text as="span" visuallyHidden>
            {announcement}
          </Text>
        </div>
        {errors.touches ? (
          <Text as="p" tone="critical">
            {errors.touches}
          </Text>
        ) : null}
        {touches.map((touch, i) => {
          const options = templatesFor(templates, touch.channel);
          const known = options.some((o) => o.id === touch.templateId);
          const prefix = `touches.${i}`;
          return (
            <BlockStack gap="300" key={touch.key}>
              {i > 0 ? <Divider /> : null}
              <InlineStack align="space-between" blockAlign="center">
                <Text as="h3" variant="headingSm">
                  Touch {i + 1}
                </Text>
                {readOnly ? null : (
                  <InlineStack gap="100">
                    <Button
                      id={`${touch.key}-up`}
                      icon={ArrowUpIcon}
                      accessibilityLabel={`Move touch ${i + 1} up`}
                      disabled={i === 0}
                      onClick={() => move(i, -1)}
                    />
                    <Button
                      id={`${touch.key}-down`}
                      icon={ArrowDownIcon}
                      accessibilityLabel={`Move touch ${i + 1} down`}
                      disabled={i === touches.length - 1}
                      onClick={() => move(i, 1)}
                    />
                    <Button
                      id={`${touch.key}-remove`}
                      icon={DeleteIcon}
                      tone="critical"
                      accessibilityLabel={`Remove touch ${i + 1}`}
                      disabled={touches.length <= 1}
                      onClick={() => remove(i)}
                    />
                  </InlineStack>
                )}
              </InlineStack>
              <InlineGrid columns={{ xs: 1, md: ["oneThird", "twoThirds"] }} gap="300">
                <Select
                  id={`${touch.key}-channel`}
                  name={`${prefix}.channel`}
                  label="Channel"
                  disabled={readOnly}
                  options={[
                    { label: "Email", value: "email" },
                    { label: "SMS", value: "sms" },
                  ]}
                  value={touch.channel}
                  error={errors[`${prefix}.channel`]}
                  onChange={(value) => {
                    const channel = value as Channel;
                    update(i, { channel, templateId: templatesFor(templates, channel)[0]?.id ?? "" });
                  }}
                />
                <TextField
                  id={`${touch.key}-delay`}
                  name={`${prefix}.delay`}
                  label={i === 0 ? "Send after the job is completed" : "Send after the previous touch"}
                  type="number"
                  min={1}
                  autoComplete="off"
                  disabled={readOnly}
                  value={touch.delay}
                  error={errors[`${prefix}.delayHours`]}
                  onChange={(value) => update(i, { delay: value })}
                  connectedRight={
                    <Select
                      name={`${prefix}.unit`}
                      label="Unit"
                      labelHidden
                      disabled={readOnly}
                      options={[
                        { label: "hours", value: "hours" },
                        { label: "days", value: "days" },
                      ]}
                      value={touch.unit}
                      onChange={(value) => update(i, { unit: value as TouchState["unit"] })}
                    />
                  }
                />
              </InlineGrid>
              <Select
                id={`${touch.key}-template`}
                name={`${prefix}.templateId`}
                label={`${channelLabel(touch.channel)} template`}
                disabled={readOnly}
                placeholder={known ? undefined : "Choose a template"}
                options={options.map((o) => ({ label: o.isSystem ? `${o.name} (system)` : o.name, value: o.id }))}
                value={known ? touch.templateId : ""}
                error={errors[`${prefix}.templateId`]}
                onChange={(value) => update(i, { templateId: value })}
                helpText={
                  known ? (
                    <Link url={`/app/templates/${touch.templateId}`}>View or edit this template</Link>
                  ) : options.length === 0 ? (
                    <Link url="/app/templates/new">Create a {channelLabel(touch.channel)} template</Link>
                  ) : undefined
                }
              />
            </BlockStack>
          );
        })}
        {readOnly ? null : (
          <Box>
            <Button icon={PlusIcon} onClick={add} disabled={touches.length >= MAX_TOUCHES}>
              {touches.length >= MAX_TOUCHES ? `At most ${MAX_TOUCHES} touches` : "Add touch"}
            </Button>
          </Box>
        )}
      </BlockStack>
    </Card>
  );
}
