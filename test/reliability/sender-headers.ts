// Test-only request headers by which a crash-suite child tells the provider stand-ins which
// process and which of its batches sent a request (no dependencies: the child bundle imports it).
export const PROCESS_HEADER = "x-kudos-test-process";
export const BATCH_HEADER = "x-kudos-test-batch";
