// The three system presets every business starts from. Timings and why (docs/presets.md):
// - conservative: two emails, no SMS. For businesses that have not collected SMS consent, or
//   whose customers dislike texts. 48 h lets the customer live with the work first; +7 d is one
//   polite reminder.
// - standard: email at 24 h (the job is fresh, the first request is cheap), an SMS 3 days later
//   (SMS is read within minutes; most reviews come from the first two asks), a last email a week
//   after that. The install default.
// - aggressive: an SMS 2 h after completion (peak satisfaction while the technician's visit is
//   fresh), then email next day, SMS at +3 d and a final email at +7 d. Four touches is the cap.
// Every touch stops the moment the customer clicks through, opts out or bounces.
import type { Channel } from "~/generated/prisma/client";

export interface PresetTemplate {
  key: string;
  channel: Channel;
  name: string;
  subject?: string;
  body: string;
}

export interface PresetTouch {
  channel: Channel;
  delayHours: number;
  template: string;
}

export interface Preset {
  key: "conservative" | "standard" | "aggressive";
  name: string;
  description: string;
  touches: PresetTouch[];
}

export const SYSTEM_TEMPLATES: PresetTemplate[] = [
  {
    key: "email_first_ask",
    channel: "email",
    name: "Email: first ask",
    subject: "How did we do, {{customer_first_name}}?",
    body: [
      "Hi {{customer_first_name}},",
      "",
      "Thanks for choosing {{business_name}} for your {{service_type}}. We hope everything is working just the way it should.",
      "",
      "Would you take a minute to share how it went? Your review helps neighbours find a business they can trust, and it tells our team what we got right.",
      "",
      "{{review_link}}",
      "",
      "Thank you,",
      "The {{business_name}} team",
    ].join("\n"),
  },
  {
    key: "email_reminder",
    channel: "email",
    name: "Email: friendly reminder",
    subject: "A quick favour for {{business_name}}?",
    body: [
      "Hi {{customer_first_name}},",
      "",
      "We know inboxes get busy. If you have a moment, we'd be grateful for a few words about your recent {{service_type}} with {{business_name}}.",
      "",
      "{{review_link}}",
      "",
      "It only takes a minute, and we read every one.",
      "",
      "Thanks again,",
      "The {{business_name}} team",
    ].join("\n"),
  },
  {
    key: "email_last_ask",
    channel: "email",
    name: "Email: last ask",
    subject: "Last note from {{business_name}}",
    body: [
      "Hi {{customer_first_name}},",
      "",
      "This is our last note about your {{service_type}}, we promise. If you were happy with the work, a short review would mean a lot to our small team.",
      "",
      "{{review_link}}",
      "",
      "Either way, thank you for trusting {{business_name}}.",
    ].join("\n"),
  },
  {
    key: "sms_first_ask",
    channel: "sms",
    name: "SMS: first ask",
    body: "{{business_name}}: Hi {{customer_first_name}}, thanks for choosing us today! Mind leaving us a quick review? {{review_link}}",
  },
  {
    key: "sms_reminder",
    channel: "sms",
    name: "SMS: reminder",
    body: "{{business_name}}: Hi {{customer_first_name}}, if you have a minute, a review of your {{service_type}} would help us a lot: {{review_link}}",
  },
];

export const PRESETS: Preset[] = [
  {
    key: "conservative",
    name: "Conservative",
    description: "Two emails, no SMS: a first ask 2 days after the job and one reminder a week later.",
    touches: [
      { channel: "email", delayHours: 48, template: "email_first_ask" },
      { channel: "email", delayHours: 168, template: "email_last_ask" },
    ],
  },
  {
    key: "standard",
    name: "Standard",
    description: "Email the next day, a text 3 days later, and a last email a week after that.",
    touches: [
      { channel: "email", delayHours: 24, template: "email_first_ask" },
      { channel: "sms", delayHours: 72, template: "sms_reminder" },
      { channel: "email", delayHours: 168, template: "email_last_ask" },
    ],
  },
  {
    key: "aggressive",
    name: "Aggressive",
    description: "A text 2 hours after the job while it's fresh, then email, text and email over the following 11 days.",
    touches: [
      { channel: "sms", delayHours: 2, template: "sms_first_ask" },
      { channel: "email", delayHours: 24, template: "email_first_ask" },
      { channel: "sms", delayHours: 72, template: "sms_reminder" },
      { channel: "email", delayHours: 168, template: "email_reminder" },
    ],
  },
];
