// Template syntax: plain text with {{variable}} placeholders (spaces inside the braces allowed).
// Parsing is total: whatever the input, it yields parts and a list of problems, so rendering a
// template that somehow skipped validation never throws (unknown placeholders stay literal).
import type { FieldErrors } from "~/lib/errors.server";
import { findTemplateVariable, type TemplateChannel } from "./variables";

export const SMS_BODY_MAX_CHARS = 1_600;
export const EMAIL_SUBJECT_MAX_CHARS = 200;
export const EMAIL_BODY_MAX_CHARS = 20_000;

export type TemplatePart = { kind: "text"; text: string } | { kind: "variable"; name: string; raw: string };

export interface ParsedTemplate {
  parts: TemplatePart[];
  /** Problems in source order: unclosed braces, malformed placeholders. Names are not checked here. */
  problems: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseTemplate(source: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const problems: string[] = [];
  let text = "";
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf("{{", i);
    if (open === -1) {
      text += source.slice(i);
      break;
    }
    text += source.slice(i, open);
    const close = source.indexOf("}}", open + 2);
    const nextOpen = source.indexOf("{{", open + 2);
    if (close === -1 || (nextOpen !== -1 && nextOpen < close)) {
      problems.push(`Unclosed braces: "${excerpt(source.slice(open))}" has no matching }}`);
      text += "{{";
      i = open + 2;
      continue;
    }
    const raw = source.slice(open, close + 2);
    const name = source.slice(open + 2, close).trim();
    if (!NAME.test(name)) {
      problems.push(name === "" ? "Empty placeholder {{}}" : `Invalid placeholder ${raw}`);
      text += raw;
    } else {
      if (text) parts.push({ kind: "text", text });
      text = "";
      parts.push({ kind: "variable", name, raw });
    }
    i = close + 2;
  }
  if (text) parts.push({ kind: "text", text });
  return { parts, problems };
}

function excerpt(s: string): string {
  return s.length > 24 ? `${s.slice(0, 24)}…` : s;
}

export interface TemplateInput {
  channel: TemplateChannel;
  subject?: string | null;
  body: string;
}

export interface TemplateFieldError {
  field: "subject" | "body";
  message: string;
}

/** Every problem with a template, each naming its field; empty when the template can be saved. */
export function validateTemplate(input: TemplateInput): TemplateFieldError[] {
  const errors: TemplateFieldError[] = [];
  const body = input.body ?? "";

  if (input.channel === "email") {
    const subject = input.subject ?? "";
    if (subject.trim() === "") {
      errors.push({ field: "subject", message: "Subject is required for email" });
    } else {
      if (subject.length > EMAIL_SUBJECT_MAX_CHARS) {
        errors.push({ field: "subject", message: `Subject must be at most ${EMAIL_SUBJECT_MAX_CHARS} characters` });
      }
      if (/[\r\n]/.test(subject)) errors.push({ field: "subject", message: "Subject must be a single line" });
      errors.push(...placeholderErrors("subject", subject, input.channel).errors);
    }
  }

  if (body.trim() === "") {
    errors.push({ field: "body", message: "Body is required" });
    return errors;
  }
  const max = input.channel === "sms" ? SMS_BODY_MAX_CHARS : EMAIL_BODY_MAX_CHARS;
  if (body.length > max) {
    errors.push({ field: "body", message: `Body must be at most ${max.toLocaleString("en-US")} characters` });
  }
  const { errors: bodyErrors, names } = placeholderErrors("body", body, input.channel);
  errors.push(...bodyErrors);
  if (!names.has("review_link")) {
    errors.push({ field: "body", message: "Body must include {{review_link}}: a review request needs the link" });
  }
  return errors;
}

function placeholderErrors(field: TemplateFieldError["field"], source: string, channel: TemplateChannel) {
  const { parts, problems } = parseTemplate(source);
  const errors: TemplateFieldError[] = problems.map((message) => ({ field, message }));
  const names = new Set<string>();
  const reported = new Set<string>();
  for (const part of parts) {
    if (part.kind !== "variable" || reported.has(part.name)) continue;
    const variable = findTemplateVariable(part.name);
    if (!variable) {
      reported.add(part.name);
      errors.push({ field, message: `Unknown variable {{${part.name}}}` });
    } else if (!variable.channels.includes(channel)) {
      reported.add(part.name);
      errors.push({
        field,
        message:
          part.name === "unsubscribe_link"
            ? "{{unsubscribe_link}} is not available in SMS: recipients opt out by replying STOP"
            : `{{${part.name}}} is not available in ${channel === "sms" ? "SMS" : "email"}`,
      });
    } else {
      names.add(part.name);
    }
  }
  return { errors, names };
}

/** The list as ValidationError's field map; several problems on one field are joined. */
export function templateFieldErrors(errors: readonly TemplateFieldError[]): FieldErrors {
  const out: FieldErrors = {};
  for (const e of errors) out[e.field] = out[e.field] ? `${out[e.field]}; ${e.message}` : e.message;
  return out;
}
