import { Command } from 'commander';
import { startLoadTester } from '../../canary/loadtester.ts';
import { parseListenAddress } from '../../runtime/server.ts';
import { ExitCode, ExitError } from '../../util/exit-codes.ts';
import { catchInterrupt } from '../output.ts';

export function loadtesterCommand(): Command {
  return new Command('loadtester')
    .description('Serve the gates of Flagger\'s load tester (confirm gates and rollback switches for Canary webhooks) until interrupted')
    .option('--address <host:port>', 'where to listen', '127.0.0.1:8080')
    .addHelpText('after', `
Endpoints (POST, body: the Canary webhook payload): /gate/approve (200), /gate/halt (403), /gate/check (200 once
opened, else 403), /gate/open, /gate/close, /rollback/check (200 once a rollback was asked for), /rollback/open,
/rollback/close; GET /healthz. State is in memory, per Canary (<name>.<namespace>).

Examples:
  aviary loadtester --address :8080
  curl -d '{"name":"podinfo","namespace":"test"}' http://127.0.0.1:8080/gate/open`)
    .exitOverride()
    .action(async (flags: { address: string }) => {
      let listen: { host: string; port: number };
      try {
        listen = parseListenAddress(flags.address);
      } catch (error) {
        throw new ExitError(`--address: ${error instanceof Error ? error.message : String(error)}`, ExitCode.usage);
      }
      const interrupt = catchInterrupt();
      try {
        const tester = await startLoadTester(listen.host, listen.port).catch((error: unknown) => {
          throw new ExitError(`cannot listen on ${flags.address}: ${error instanceof Error ? error.message : String(error)}`, ExitCode.failed);
        });
        process.stderr.write(`load tester gates on ${tester.url} (Ctrl-C to stop)\n`);
        await interrupt.interrupted;
        await tester.close();
      } finally {
        interrupt.dispose();
      }
    });
}
