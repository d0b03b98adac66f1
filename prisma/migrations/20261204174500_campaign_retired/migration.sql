-- Issue 16, item 4: a campaign replaced by another one of the same service type scope takes no
-- new jobs (status 'paused') while its active enrollments finish their sequence. Null: not
-- replaced (a paused campaign's enrollments were stopped when it was paused).
ALTER TABLE "campaign" ADD COLUMN "retired_at" TIMESTAMPTZ(3);
