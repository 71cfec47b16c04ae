import './polyfills';
import { startFromArgs } from './start-command';

// `npm start`: local/start-command.ts does the work; this file is the process around it.
async function main() {
  const started = await startFromArgs(process.argv.slice(2), process.env);
  if ('help' in started) {
    process.stdout.write(started.help);
    return;
  }
  process.stdout.write(started.banner);
  const stop = async () => {
    await started.broker.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`access-broker: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
