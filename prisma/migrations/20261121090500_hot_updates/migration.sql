-- Room on each page for in-place (HOT) updates. A touch is updated when it goes out (status,
-- sent_at, attempts) and again on delivery and click; a send-log row on every delivery event.
-- None of those columns is indexed, so with free space on the page PostgreSQL updates the row
-- in place instead of adding an entry to each of the table's indexes. At fillfactor 100 (the
-- default) a page of freshly inserted touches has no room, and every such update is a full one.
-- Applies to pages written from now on; existing pages gain room as rows move or on a rewrite.
ALTER TABLE "enrollment_touch" SET (fillfactor = 75);
ALTER TABLE "send_log" SET (fillfactor = 85);
