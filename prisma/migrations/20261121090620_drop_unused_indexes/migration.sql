-- DropIndex
DROP INDEX "enrollment_touch_business_id_scheduled_at_idx";

-- DropIndex
DROP INDEX "enrollment_touch_campaign_id_scheduled_at_idx";

-- DropIndex
DROP INDEX "send_log_business_id_created_at_idx";
