-- Analytics (app/analytics/PERFORMANCE.md): denormalised columns so each analytics statement
-- reads one index range, and a daily rollup for long ranges. Existing rows are backfilled, so an
-- existing database upgrades with exact numbers.

-- AlterTable
ALTER TABLE "enrollment" ADD COLUMN     "service_type" TEXT;

-- AlterTable (enrolled_at: added nullable, backfilled, then NOT NULL)
ALTER TABLE "enrollment_touch" ADD COLUMN     "delivered_at" TIMESTAMPTZ(3),
ADD COLUMN     "enrolled_at" TIMESTAMPTZ(3);

-- Backfill: the job's service type, each touch's enrollment date and its send log's delivery.
UPDATE "enrollment" e SET "service_type" = j."service_type"
  FROM "job" j WHERE j."id" = e."job_id" AND j."service_type" IS NOT NULL;
UPDATE "enrollment_touch" t
   SET "enrolled_at" = e."enrolled_at",
       "delivered_at" = (SELECT l."delivered_at" FROM "send_log" l
                          WHERE l."enrollment_id" = t."enrollment_id" AND l."position" = t."position")
  FROM "enrollment" e WHERE e."id" = t."enrollment_id";
ALTER TABLE "enrollment_touch" ALTER COLUMN "enrolled_at" SET NOT NULL;

-- CreateTable
CREATE TABLE "analytics_enrollment_day" (
    "id" BIGSERIAL NOT NULL,
    "business_id" UUID NOT NULL,
    "campaign_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "status" "EnrollmentStatus" NOT NULL,
    "stop_reason" "StopReason",
    "service_type" TEXT,
    "enrollments" INTEGER NOT NULL,
    "sent_touches" INTEGER NOT NULL,
    "clicked_touches" INTEGER NOT NULL,

    CONSTRAINT "analytics_enrollment_day_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analytics_touch_day" (
    "business_id" UUID NOT NULL,
    "campaign_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "position" SMALLINT NOT NULL,
    "channel" "Channel" NOT NULL,
    "status" "TouchStatus" NOT NULL,
    "delivered" BOOLEAN NOT NULL,
    "clicked" BOOLEAN NOT NULL,
    "touches" INTEGER NOT NULL,

    CONSTRAINT "analytics_touch_day_pkey" PRIMARY KEY ("business_id","day","campaign_id","position","channel","status","delivered","clicked")
);

-- CreateTable
CREATE TABLE "analytics_dirty_day" (
    "id" BIGSERIAL NOT NULL,
    "business_id" UUID NOT NULL,
    "day" DATE NOT NULL,

    CONSTRAINT "analytics_dirty_day_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "analytics_enrollment_day_business_id_day_idx" ON "analytics_enrollment_day"("business_id", "day");

-- CreateIndex
CREATE INDEX "analytics_enrollment_day_campaign_id_idx" ON "analytics_enrollment_day"("campaign_id");

-- CreateIndex
CREATE INDEX "analytics_touch_day_campaign_id_idx" ON "analytics_touch_day"("campaign_id");

-- CreateIndex
CREATE INDEX "analytics_dirty_day_business_id_day_idx" ON "analytics_dirty_day"("business_id", "day");

-- CreateIndex
CREATE INDEX "enrollment_touch_business_id_enrolled_at_idx" ON "enrollment_touch"("business_id", "enrolled_at");

-- CreateIndex
CREATE INDEX "enrollment_touch_campaign_id_enrolled_at_idx" ON "enrollment_touch"("campaign_id", "enrolled_at");

-- AddForeignKey
ALTER TABLE "analytics_enrollment_day" ADD CONSTRAINT "analytics_enrollment_day_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analytics_enrollment_day" ADD CONSTRAINT "analytics_enrollment_day_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analytics_touch_day" ADD CONSTRAINT "analytics_touch_day_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analytics_touch_day" ADD CONSTRAINT "analytics_touch_day_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Build the rollup of every existing day (same definitions as app/analytics/sql/rollup.sql.ts).
INSERT INTO "analytics_touch_day" ("business_id", "campaign_id", "day", "position", "channel", "status", "delivered", "clicked", "touches")
SELECT t."business_id", t."campaign_id", (t."enrolled_at" AT TIME ZONE 'UTC')::date, t."position", t."channel", t."status",
       t."status" = 'sent' AND t."delivered_at" IS NOT NULL, t."clicked_at" IS NOT NULL, count(*)::int
  FROM "enrollment_touch" t
 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO "analytics_enrollment_day" ("business_id", "campaign_id", "day", "status", "stop_reason", "service_type", "enrollments", "sent_touches", "clicked_touches")
SELECT e."business_id", e."campaign_id", (e."enrolled_at" AT TIME ZONE 'UTC')::date, e."status", e."stop_reason", e."service_type",
       count(*)::int, COALESCE(sum(s."sent"), 0)::int, COALESCE(sum(s."clicked"), 0)::int
  FROM "enrollment" e
  LEFT JOIN (SELECT "enrollment_id",
                    count(*) FILTER (WHERE "status" = 'sent') AS "sent",
                    count(*) FILTER (WHERE "clicked_at" IS NOT NULL) AS "clicked"
               FROM "enrollment_touch" GROUP BY "enrollment_id") s ON s."enrollment_id" = e."id"
 GROUP BY 1, 2, 3, 4, 5, 6;
