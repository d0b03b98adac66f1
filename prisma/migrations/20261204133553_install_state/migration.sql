-- CreateTable
CREATE TABLE "install_state" (
    "nonce_hash" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "install_state_pkey" PRIMARY KEY ("nonce_hash")
);

-- CreateIndex
CREATE INDEX "install_state_expires_idx" ON "install_state"("expires_at");
