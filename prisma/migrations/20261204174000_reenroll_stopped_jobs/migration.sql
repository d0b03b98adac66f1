-- A stopped enrollment no longer blocks a new one for the same job (the merchant's "Enroll
-- again"): the unique key on job_id covers the other rows only, and a plain index serves lookups
-- of a job's enrollments, stopped ones included.
-- DropIndex
DROP INDEX "enrollment_job_id_key";

-- CreateIndex
CREATE UNIQUE INDEX "enrollment_job_id_key" ON "enrollment"("job_id") WHERE (status <> 'stopped');

-- CreateIndex
CREATE INDEX "enrollment_job_id_idx" ON "enrollment"("job_id");
