import { run } from './main';

// The bundle's entry point (build/cli/access-broker.mjs), started by cli/access-broker.mjs.
process.exitCode = await run(process.argv.slice(2));
