-- AlterTable
ALTER TABLE "send_log" ALTER COLUMN "request" SET DATA TYPE TEXT;
