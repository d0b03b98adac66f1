// Quiet, deterministic defaults for every test file.
process.env.LOG_LEVEL ??= "silent";
process.env.NODE_ENV = "test";
