import { runCli } from "./kudos";

const code = await runCli(process.argv.slice(2));
process.exit(code);
