// What a new template starts with: a working message the merchant can adjust.
import type { TemplateValues } from "./components/TemplateEditor";

export function starterTemplate(channel: "email" | "sms"): TemplateValues {
  return channel === "sms"
    ? {
        name: "My SMS template",
        channel,
        subject: "",
        body: "{{business_name}}: Hi {{customer_first_name}}, thanks for choosing us! Would you leave us a quick review? {{review_link}}",
      }
    : {
        name: "My email template",
        channel,
        subject: "How did we do, {{customer_first_name}}?",
        body: [
          "Hi {{customer_first_name}},",
          "",
          "Thanks for choosing {{business_name}} for your {{service_type}}. Would you take a minute to tell others how it went?",
          "",
          "{{review_link}}",
          "",
          "Thank you,",
          "The {{business_name}} team",
        ].join("\n"),
      };
}
