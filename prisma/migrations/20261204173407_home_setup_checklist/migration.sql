-- Issue 16, items 1 and 2: the Home's setup checklist. The merchant opened their own review link
-- and said it works; the merchant sent themselves a test message. Null: not done yet.
ALTER TABLE "business" ADD COLUMN "review_link_confirmed_at" TIMESTAMPTZ(3),
ADD COLUMN "test_sent_at" TIMESTAMPTZ(3);
