-- CreateTable
CREATE TABLE "admin_session" (
    "id_hash" TEXT NOT NULL,
    "business_id" UUID NOT NULL,
    "host_user_id" TEXT,
    "csrf_token" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "admin_session_pkey" PRIMARY KEY ("id_hash")
);

-- CreateIndex
CREATE INDEX "admin_session_business_idx" ON "admin_session"("business_id");

-- AddForeignKey
ALTER TABLE "admin_session" ADD CONSTRAINT "admin_session_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "business"("id") ON DELETE CASCADE ON UPDATE CASCADE;
