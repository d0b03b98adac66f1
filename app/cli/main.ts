import { runCli } from "./kudos";

// Set the exit code and let the process end on its own once stdout and stderr have drained:
// process.exit() here dropped whatever a pipe had not taken yet (everything past its 64 KiB
// buffer, as in `kudos outbox --json | jq`). Commands close what they open, so nothing holds it.
process.exitCode = await runCli(process.argv.slice(2));
