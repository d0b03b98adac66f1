-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Channel" AS ENUM ('email', 'sms');

-- CreateEnum
CREATE TYPE "CampaignStatus" AS ENUM ('active', 'paused');

-- CreateEnum
CREATE TYPE "EnrollmentStatus" AS ENUM ('active', 'completed', 'stopped');

-- CreateEnum
CREATE TYPE "StopReason" AS ENUM ('review_clicked', 'feedback_submitted', 'opted_out_email', 'opted_out_sms', 'email_bounced', 'email_complained', 'campaign_paused', 'campaign_deleted', 'repeat_job', 'job_cancelled', 'manual', 'app_uninstalled', 'customer_redacted');

-- CreateEnum
CREATE TYPE "TouchStatus" AS ENUM ('pending', 'sent', 'skipped', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "JobOutcome" AS ENUM ('pending', 'enrolled', 'skipped', 'failed');

-- CreateEnum
CREATE TYPE "BusinessStatus" AS ENUM ('installed', 'uninstalled');

-- CreateTable
CREATE TABLE "business" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "host" TEXT NOT NULL,
    "external_account_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "BusinessStatus" NOT NULL DEFAULT 'installed',
    "timezone" TEXT NOT NULL DEFAULT 'America/New_York',
    "sender_name" TEXT,
    "reply_to" TEXT,
    "contact_phone" TEXT,
    "physical_address" TEXT,
    "review_links" JSONB NOT NULL DEFAULT '[]',
    "quiet_hours_start" SMALLINT NOT NULL DEFAULT 480,
    "quiet_hours_end" SMALLINT NOT NULL DEFAULT 1260,
    "cooldown_days" SMALLINT NOT NULL DEFAULT 30,
    "email_hourly_limit" INTEGER NOT NULL DEFAULT 100,
    "sms_hourly_limit" INTEGER NOT NULL DEFAULT 100,
    "service_type_delays" JSONB NOT NULL DEFAULT '{}',
    "feedback_page_enabled" BOOLEAN NOT NULL DEFAULT false,
    "installed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "business_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "host_credential" (
    "business_id" UUID NOT NULL,
    "access_token_enc" TEXT NOT NULL,
    "refresh_token_enc" TEXT,
    "access_expires_at" TIMESTAMPTZ(3),
    "scopes" TEXT NOT NULL DEFAULT '',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "host_credential_pkey" PRIMARY KEY ("business_id")
);

-- CreateTable
CREATE TABLE "customer" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "business_id" UUID NOT NULL,
    "host_customer_id" TEXT NOT NULL,
    "first_name" TEXT,
    "last_name" TEXT,
    "email" TEXT,
    "phone" TEXT,
    "timezone" TEXT,
    "region" TEXT,
    "country" TEXT,
    "host_updated_at" TIMESTAMPTZ(3),
    "redacted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "business_id" UUID NOT NULL,
    "host_job_id" TEXT NOT NULL,
    "customer_id" UUID NOT NULL,
    "title" TEXT,
    "service_type" TEXT,
    "status" TEXT NOT NULL,
    "completed_at" TIMESTAMPTZ(3),
    "no_review_request" BOOLEAN NOT NULL DEFAULT false,
    "host_updated_at" TIMESTAMPTZ(3),
    "outcome" "JobOutcome" NOT NULL DEFAULT 'pending',
    "outcome_reason" TEXT,
    "outcome_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "message_template" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "business_id" UUID,
    "system_key" TEXT,
    "channel" "Channel" NOT NULL,
    "name" TEXT NOT NULL,
    "subject" TEXT,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "message_template_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "business_id" UUID,
    "preset_key" TEXT,
    "is_preset" BOOLEAN NOT NULL DEFAULT false,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "status" "CampaignStatus" NOT NULL DEFAULT 'paused',
    "service_type" TEXT,
    "deleted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign_touch" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "campaign_id" UUID NOT NULL,
    "position" SMALLINT NOT NULL,
    "channel" "Channel" NOT NULL,
    "delay_hours" INTEGER NOT NULL,
    "template_id" UUID NOT NULL,

    CONSTRAINT "campaign_touch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enrollment" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "business_id" UUID NOT NULL,
    "campaign_id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "status" "EnrollmentStatus" NOT NULL DEFAULT 'active',
    "stop_reason" "StopReason",
    "current_touch" SMALLINT NOT NULL DEFAULT 1,
    "next_due_at" TIMESTAMPTZ(3),
    "lease_token" UUID,
    "manual" BOOLEAN NOT NULL DEFAULT false,
    "enrolled_at" TIMESTAMPTZ(3) NOT NULL,
    "stopped_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "enrollment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enrollment_touch" (
    "enrollment_id" UUID NOT NULL,
    "position" SMALLINT NOT NULL,
    "business_id" UUID NOT NULL,
    "campaign_id" UUID NOT NULL,
    "channel" "Channel" NOT NULL,
    "scheduled_at" TIMESTAMPTZ(3) NOT NULL,
    "sent_at" TIMESTAMPTZ(3),
    "status" "TouchStatus" NOT NULL DEFAULT 'pending',
    "reason" TEXT,
    "attempts" SMALLINT NOT NULL DEFAULT 0,
    "clicked_at" TIMESTAMPTZ(3),

    CONSTRAINT "enrollment_touch_pkey" PRIMARY KEY ("enrollment_id","position")
);

-- CreateTable
CREATE TABLE "send_log" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "business_id" UUID NOT NULL,
    "enrollment_id" UUID NOT NULL,
    "position" SMALLINT NOT NULL,
    "channel" "Channel" NOT NULL,
    "recipient" TEXT,
    "provider" TEXT,
    "provider_message_id" TEXT,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "error_code" TEXT,
    "segments" SMALLINT,
    "subject" TEXT,
    "body" TEXT,
    "html" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "delivered_at" TIMESTAMPTZ(3),
    "opened_at" TIMESTAMPTZ(3),
    "clicked_at" TIMESTAMPTZ(3),

    CONSTRAINT "send_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "suppression" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "business_id" UUID NOT NULL,
    "channel" "Channel" NOT NULL,
    "address" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "suppression_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "feedback" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "business_id" UUID NOT NULL,
    "enrollment_id" UUID NOT NULL,
    "message" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "feedback_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "host_event" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "host" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "business_id" UUID,
    "payload" JSONB NOT NULL,
    "occurred_at" TIMESTAMPTZ(3),
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "processed_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "run_after" TIMESTAMPTZ(3),

    CONSTRAINT "host_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provider_event" (
    "id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "provider_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "business_host_external_account_id_key" ON "business"("host", "external_account_id");

-- CreateIndex
CREATE INDEX "customer_business_id_email_idx" ON "customer"("business_id", "email");

-- CreateIndex
CREATE INDEX "customer_business_id_phone_idx" ON "customer"("business_id", "phone");

-- CreateIndex
CREATE UNIQUE INDEX "customer_business_id_host_customer_id_key" ON "customer"("business_id", "host_customer_id");

-- CreateIndex
CREATE INDEX "job_business_id_completed_at_idx" ON "job"("business_id", "completed_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "job_business_id_host_job_id_key" ON "job"("business_id", "host_job_id");

-- CreateIndex
CREATE UNIQUE INDEX "message_template_system_key_key" ON "message_template"("system_key");

-- CreateIndex
CREATE INDEX "message_template_business_id_idx" ON "message_template"("business_id");

-- CreateIndex
CREATE UNIQUE INDEX "message_template_id_channel_key" ON "message_template"("id", "channel");

-- CreateIndex
CREATE UNIQUE INDEX "campaign_preset_key_key" ON "campaign"("preset_key");

-- CreateIndex
CREATE INDEX "campaign_business_id_idx" ON "campaign"("business_id");

-- CreateIndex
CREATE INDEX "campaign_touch_template_id_idx" ON "campaign_touch"("template_id");

-- CreateIndex
CREATE UNIQUE INDEX "campaign_touch_campaign_id_position_key" ON "campaign_touch"("campaign_id", "position");

-- CreateIndex
CREATE INDEX "enrollment_due_idx" ON "enrollment"("next_due_at") WHERE (status = 'active');

-- CreateIndex
CREATE INDEX "enrollment_business_id_enrolled_at_idx" ON "enrollment"("business_id", "enrolled_at");

-- CreateIndex
CREATE INDEX "enrollment_campaign_id_enrolled_at_idx" ON "enrollment"("campaign_id", "enrolled_at");

-- CreateIndex
CREATE UNIQUE INDEX "enrollment_job_id_key" ON "enrollment"("job_id");

-- CreateIndex
CREATE UNIQUE INDEX "enrollment_one_active_per_customer" ON "enrollment"("customer_id") WHERE (status = 'active');

-- CreateIndex
CREATE INDEX "enrollment_touch_business_id_scheduled_at_idx" ON "enrollment_touch"("business_id", "scheduled_at");

-- CreateIndex
CREATE INDEX "enrollment_touch_campaign_id_scheduled_at_idx" ON "enrollment_touch"("campaign_id", "scheduled_at");

-- CreateIndex
CREATE INDEX "send_log_provider_message_id_idx" ON "send_log"("provider_message_id");

-- CreateIndex
CREATE INDEX "send_log_business_id_created_at_idx" ON "send_log"("business_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "send_log_enrollment_id_position_key" ON "send_log"("enrollment_id", "position");

-- CreateIndex
CREATE UNIQUE INDEX "suppression_business_id_channel_address_key" ON "suppression"("business_id", "channel", "address");

-- CreateIndex
CREATE INDEX "feedback_business_id_created_at_idx" ON "feedback"("business_id", "created_at");

-- CreateIndex
CREATE INDEX "host_event_pending_idx" ON "host_event"("run_after") WHERE (processed_at IS NULL);

-- CreateIndex
CREATE UNIQUE INDEX "host_event_host_event_id_key" ON "host_event"("host", "event_id");

-- AddForeignKey
ALTER TABLE "host_credential" ADD CONSTRAINT "host_credential_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customer" ADD CONSTRAINT "customer_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job" ADD CONSTRAINT "job_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job" ADD CONSTRAINT "job_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message_template" ADD CONSTRAINT "message_template_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign" ADD CONSTRAINT "campaign_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign_touch" ADD CONSTRAINT "campaign_touch_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign_touch" ADD CONSTRAINT "campaign_touch_template_id_channel_fkey" FOREIGN KEY ("template_id", "channel") REFERENCES "message_template"("id", "channel") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enrollment" ADD CONSTRAINT "enrollment_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enrollment" ADD CONSTRAINT "enrollment_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enrollment" ADD CONSTRAINT "enrollment_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enrollment" ADD CONSTRAINT "enrollment_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enrollment_touch" ADD CONSTRAINT "enrollment_touch_enrollment_id_fkey" FOREIGN KEY ("enrollment_id") REFERENCES "enrollment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enrollment_touch" ADD CONSTRAINT "enrollment_touch_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "send_log" ADD CONSTRAINT "send_log_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "send_log" ADD CONSTRAINT "send_log_enrollment_id_fkey" FOREIGN KEY ("enrollment_id") REFERENCES "enrollment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "suppression" ADD CONSTRAINT "suppression_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_enrollment_id_fkey" FOREIGN KEY ("enrollment_id") REFERENCES "enrollment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "host_event" ADD CONSTRAINT "host_event_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written: rules Prisma's schema language cannot express.
-- ---------------------------------------------------------------------------------------------

-- A campaign has 1..4 touches, each delayed by whole hours in 1..2160 (90 days).
ALTER TABLE "campaign_touch" ADD CONSTRAINT "campaign_touch_position_range" CHECK ("position" BETWEEN 1 AND 4);
ALTER TABLE "campaign_touch" ADD CONSTRAINT "campaign_touch_delay_range" CHECK ("delay_hours" BETWEEN 1 AND 2160);

-- ...and at least one touch, checked at commit so a campaign and its touches can be written in
-- any order inside one transaction.
CREATE FUNCTION "campaign_requires_touches"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  target uuid;
BEGIN
  IF TG_TABLE_NAME = 'campaign' THEN target := NEW.id; ELSE target := OLD.campaign_id; END IF;
  IF EXISTS (SELECT 1 FROM campaign WHERE id = target)
     AND NOT EXISTS (SELECT 1 FROM campaign_touch WHERE campaign_id = target) THEN
    RAISE EXCEPTION 'campaign % must have at least one touch', target USING ERRCODE = '23514';
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER "campaign_has_touches_on_insert" AFTER INSERT ON "campaign"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "campaign_requires_touches"();
CREATE CONSTRAINT TRIGGER "campaign_has_touches_on_touch_change" AFTER DELETE OR UPDATE OF "campaign_id" ON "campaign_touch"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "campaign_requires_touches"();

-- At most one active campaign per business per service type (NULL = all services).
CREATE UNIQUE INDEX "campaign_one_active_per_service_type"
  ON "campaign" ("business_id", COALESCE("service_type", ''))
  WHERE "status" = 'active' AND "deleted_at" IS NULL AND "business_id" IS NOT NULL;

-- Presets are system rows: no business, a preset key, never active.
ALTER TABLE "campaign" ADD CONSTRAINT "campaign_preset_is_system"
  CHECK (("is_preset" AND "business_id" IS NULL AND "preset_key" IS NOT NULL) OR (NOT "is_preset" AND "business_id" IS NOT NULL));

-- Enrollment bookkeeping stays coherent whatever code path writes it.
ALTER TABLE "enrollment" ADD CONSTRAINT "enrollment_current_touch_range" CHECK ("current_touch" BETWEEN 1 AND 4);
ALTER TABLE "enrollment" ADD CONSTRAINT "enrollment_stop_reason_when_stopped"
  CHECK (("status" = 'stopped') = ("stop_reason" IS NOT NULL));
ALTER TABLE "enrollment" ADD CONSTRAINT "enrollment_due_only_when_active"
  CHECK ("status" = 'active' OR "next_due_at" IS NULL);
ALTER TABLE "enrollment_touch" ADD CONSTRAINT "enrollment_touch_position_range" CHECK ("position" BETWEEN 1 AND 4);

-- Business settings ranges.
ALTER TABLE "business" ADD CONSTRAINT "business_quiet_hours_range"
  CHECK ("quiet_hours_start" BETWEEN 0 AND 1439 AND "quiet_hours_end" BETWEEN 1 AND 1440 AND "quiet_hours_start" < "quiet_hours_end");
ALTER TABLE "business" ADD CONSTRAINT "business_cooldown_range" CHECK ("cooldown_days" BETWEEN 0 AND 365);
ALTER TABLE "business" ADD CONSTRAINT "business_limits_range" CHECK ("email_hourly_limit" BETWEEN 1 AND 100000 AND "sms_hourly_limit" BETWEEN 1 AND 100000);

-- The queue's hot table is updated on every claim and completion: vacuum it early and without
-- cost delay so dead tuples do not pile up during a drain (see docs/decisions/0002-queue.md).
ALTER TABLE "enrollment" SET (
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_analyze_scale_factor = 0.02,
  autovacuum_vacuum_cost_delay = 0,
  fillfactor = 80
);
