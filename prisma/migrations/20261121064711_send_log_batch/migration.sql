-- AlterTable
ALTER TABLE "send_log" ADD COLUMN     "batch_index" SMALLINT,
ADD COLUMN     "batch_key" TEXT,
ADD COLUMN     "request" JSON;

-- CreateIndex
CREATE INDEX "send_log_batch_key_idx" ON "send_log"("batch_key") WHERE (batch_key IS NOT NULL);
