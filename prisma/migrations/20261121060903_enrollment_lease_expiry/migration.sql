-- AlterTable
ALTER TABLE "enrollment" ADD COLUMN     "lease_expires_at" TIMESTAMPTZ(3);
