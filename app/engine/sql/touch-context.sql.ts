// Everything needed to render and send a batch of claimed touches, in one round trip.
// Index use: primary keys of job, customer, business; campaign_touch (campaign_id, position)
// unique; enrollment_touch primary key; suppression (business_id, channel, address) unique;
// opt_out primary key (scope, channel, address_hash): the durable opt-outs of the business's host
// account and, for SMS, of the sending numbers ($4), matched on the address's keyed hash ($2, $3);
// send_log (enrollment_id, position) unique, and send_log (business_id, recipient) for "first SMS".
import type pg from "pg";
import type { Channel } from "~/generated/prisma/client";
import type { OptOutContext } from "~/lib/opt-out-key.server";

export const TOUCH_CONTEXT_SQL = `
SELECT e.id AS enrollment_id, e.current_touch AS position, e.status,
       b.id AS business_id, b.name AS business_name, b.timezone AS business_timezone,
       b.sender_name, b.reply_to, b.contact_phone, b.physical_address,
       b.quiet_hours_start, b.quiet_hours_end, b.email_hourly_limit, b.sms_hourly_limit, b.status AS business_status,
       b.host AS business_host,
       cu.first_name, cu.last_name, cu.email, cu.phone, cu.timezone AS customer_timezone, cu.region, cu.country,
       j.service_type, j.title AS job_title,
       ct.channel AS touch_channel, t.subject, t.body,
       et.scheduled_at,
       EXISTS (SELECT 1 FROM suppression s
                WHERE s.business_id = e.business_id AND s.channel = 'email' AND s.address = cu.email)
       OR EXISTS (SELECT 1 FROM opt_out o
                   WHERE o.scope = 'account:' || b.host || ':' || b.external_account_id AND o.channel = 'email'
                     AND o.address_hash = opt_out_address_hash(cu.email, $2, $3)) AS email_suppressed,
       (SELECT s.reason FROM suppression s
         WHERE s.business_id = e.business_id AND s.channel = 'sms' AND s.address = cu.phone) AS sms_suppression_reason,
       EXISTS (SELECT 1 FROM opt_out o
                   WHERE o.scope = ANY(array_append($4::text[], 'account:' || b.host || ':' || b.external_account_id))
                     AND o.channel = 'sms' AND o.address_hash = opt_out_address_hash(cu.phone, $2, $3)) AS sms_opted_out,
       EXISTS (SELECT 1 FROM send_log l
                WHERE l.business_id = e.business_id AND l.channel = 'sms' AND l.recipient = cu.phone
                  AND l.status NOT IN ('skipped', 'failed')
                  AND NOT (l.enrollment_id = e.id AND l.position = e.current_touch)) AS sms_before,
       sl.status AS log_status, sl.batch_key AS log_batch_key
  FROM enrollment e
  JOIN business b ON b.id = e.business_id
  JOIN customer cu ON cu.id = e.customer_id
  JOIN job j ON j.id = e.job_id
  LEFT JOIN campaign_touch ct ON ct.campaign_id = e.campaign_id AND ct.position = e.current_touch
  LEFT JOIN message_template t ON t.id = ct.template_id
  LEFT JOIN enrollment_touch et ON et.enrollment_id = e.id AND et.position = e.current_touch
  LEFT JOIN send_log sl ON sl.enrollment_id = e.id AND sl.position = e.current_touch
 WHERE e.id = ANY($1::uuid[])`;

export interface TouchContext {
  enrollmentId: string;
  position: number;
  status: string;
  business: {
    id: string;
    name: string;
    timezone: string;
    senderName: string | null;
    replyTo: string | null;
    contactPhone: string | null;
    physicalAddress: string | null;
    quietHoursStart: number;
    quietHoursEnd: number;
    emailHourlyLimit: number;
    smsHourlyLimit: number;
    installed: boolean;
    /** The host platform (business.host); "sandbox" businesses are pretend ones. */
    host: string;
  };
  customer: {
    firstName: string | null;
    lastName: string | null;
    email: string | null;
    phone: string | null;
    timezone: string | null;
    region: string | null;
    country: string | null;
  };
  serviceType: string | null;
  jobTitle: string | null;
  /** Null when the campaign no longer has a touch at this position (edited shorter). */
  touch: { channel: Channel; subject: string | null; body: string } | null;
  scheduledAt: Date | null;
  emailSuppressed: boolean;
  /** No texts to this number: the business's list or a durable opt-out (account or sender). */
  smsSuppressed: boolean;
  /** ...only because texts cannot reach it (Twilio 21614 / 30006), not because the person said no. */
  smsUndeliverable: boolean;
  /** This number already received an SMS from this business (the STOP line goes on the first). */
  smsBefore: boolean;
  /** Status of this touch's send-log row if a previous attempt wrote one ("sending" after a crash). */
  logStatus: string | null;
  /** The provider request a previous attempt recorded for this email (see send_log.batch_key). */
  logBatchKey: string | null;
}

const UNDELIVERABLE = new Set(["not_mobile", "unreachable"]);

export async function loadTouchContexts(pool: pg.Pool, enrollmentIds: string[], optOuts: OptOutContext): Promise<TouchContext[]> {
  if (enrollmentIds.length === 0) return [];
  const { rows } = await pool.query({
    name: "kudos_touch_context",
    text: TOUCH_CONTEXT_SQL,
    values: [enrollmentIds, optOuts.key.ipad, optOuts.key.opad, optOuts.smsSenders],
  });
  return rows.map((r) => ({
    enrollmentId: r.enrollment_id,
    position: r.position,
    status: r.status,
    business: {
      id: r.business_id,
      name: r.business_name,
      timezone: r.business_timezone,
      senderName: r.sender_name,
      replyTo: r.reply_to,
      contactPhone: r.contact_phone,
      physicalAddress: r.physical_address,
      quietHoursStart: r.quiet_hours_start,
      quietHoursEnd: r.quiet_hours_end,
      emailHourlyLimit: r.email_hourly_limit,
      smsHourlyLimit: r.sms_hourly_limit,
      installed: r.business_status === "installed",
      host: r.business_host,
    },
    customer: {
      firstName: r.first_name,
      lastName: r.last_name,
      email: r.email,
      phone: r.phone,
      timezone: r.customer_timezone,
      region: r.region,
      country: r.country,
    },
    serviceType: r.service_type,
    jobTitle: r.job_title,
    touch: r.touch_channel ? { channel: r.touch_channel, subject: r.subject, body: r.body } : null,
    scheduledAt: r.scheduled_at,
    emailSuppressed: r.email_suppressed,
    smsSuppressed: r.sms_opted_out || r.sms_suppression_reason !== null,
    smsUndeliverable: !r.sms_opted_out && UNDELIVERABLE.has(r.sms_suppression_reason),
    smsBefore: r.sms_before,
    logStatus: r.log_status,
    logBatchKey: r.log_batch_key,
  }));
}
