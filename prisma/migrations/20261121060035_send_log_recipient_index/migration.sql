-- CreateIndex
CREATE INDEX "send_log_business_id_recipient_idx" ON "send_log"("business_id", "recipient");
