-- During a rolling deploy the previous release keeps enrolling for a minute, and it writes
-- touches without enrolled_at (added NOT NULL by analytics_denormalised). Rather than fail those
-- enrollments (the job would never get its review request), fill the column from the
-- enrollment and mark the day for the analytics rollup, as the current release's writer does.
-- The WHEN clause keeps the trigger out of the way when the column is given.
CREATE FUNCTION "enrollment_touch_fill_enrolled_at"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT e."enrolled_at" INTO NEW."enrolled_at" FROM "enrollment" e WHERE e."id" = NEW."enrollment_id";
  IF NEW."enrolled_at" IS NOT NULL THEN
    INSERT INTO "analytics_dirty_day" ("business_id", "day")
    VALUES (NEW."business_id", (NEW."enrolled_at" AT TIME ZONE 'UTC')::date);
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "enrollment_touch_fill_enrolled_at"
  BEFORE INSERT ON "enrollment_touch"
  FOR EACH ROW WHEN (NEW."enrolled_at" IS NULL)
  EXECUTE FUNCTION "enrollment_touch_fill_enrolled_at"();
