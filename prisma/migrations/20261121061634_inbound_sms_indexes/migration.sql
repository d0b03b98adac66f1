-- CreateIndex
CREATE INDEX "customer_phone_idx" ON "customer"("phone");

-- CreateIndex
CREATE INDEX "send_log_sms_recipient_idx" ON "send_log"("recipient") WHERE (channel = 'sms');
