// Stopping enrollments: the one guarded statement lives with the engine's SQL
// (app/engine/sql/stop-enrollments.sql.ts), which the touch processor uses as well.
export { stopEnrollments, type StopTarget } from "~/engine/sql/stop-enrollments.sql";
