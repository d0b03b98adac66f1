-- CreateIndex
CREATE INDEX "enrollment_customer_id_enrolled_at_idx" ON "enrollment"("customer_id", "enrolled_at");
