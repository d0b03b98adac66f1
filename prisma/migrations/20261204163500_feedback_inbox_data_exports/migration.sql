-- Issue 15, items 9 and 10: private feedback reaches the merchant (read state, email
-- notification), and customers.data_request exports are kept (encrypted) for the merchant.

-- On by default; only sent when the business has a reply-to address.
ALTER TABLE "business" ADD COLUMN "feedback_notify" BOOLEAN NOT NULL DEFAULT true;

-- Existing feedback starts unread (no merchant has seen it) and is not notified after the fact.
ALTER TABLE "feedback" ADD COLUMN "read_at" TIMESTAMPTZ(3),
ADD COLUMN "notify_due_at" TIMESTAMPTZ(3),
ADD COLUMN "notify_attempts" SMALLINT NOT NULL DEFAULT 0,
ADD COLUMN "notified_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "feedback_unread_idx" ON "feedback"("business_id") WHERE (read_at IS NULL);

-- CreateIndex
CREATE INDEX "feedback_notify_due_idx" ON "feedback"("notify_due_at") WHERE (notify_due_at IS NOT NULL);

-- CreateTable
CREATE TABLE "customer_data_export" (
    "id" UUID NOT NULL,
    "business_id" UUID NOT NULL,
    "host_customer_id" TEXT NOT NULL,
    "host_event_id" UUID,
    "found" BOOLEAN NOT NULL,
    "payload_enc" TEXT NOT NULL,
    "requested_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "customer_data_export_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "customer_data_export_host_event_id_key" ON "customer_data_export"("host_event_id");

-- CreateIndex
CREATE INDEX "customer_data_export_business_id_requested_at_idx" ON "customer_data_export"("business_id", "requested_at");

-- CreateIndex
CREATE INDEX "customer_data_export_expires_at_idx" ON "customer_data_export"("expires_at");

-- AddForeignKey
ALTER TABLE "customer_data_export" ADD CONSTRAINT "customer_data_export_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "business"("id") ON DELETE CASCADE ON UPDATE CASCADE;
