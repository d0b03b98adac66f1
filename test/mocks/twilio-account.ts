// The test Twilio account (no dependencies: processes outside vitest import it too).
export const TEST_TWILIO_ACCOUNT_SID = `AC${"0123456789abcdef".repeat(2)}`;
export const TEST_TWILIO_AUTH_TOKEN = "test-auth-token-0123456789abcdef";
