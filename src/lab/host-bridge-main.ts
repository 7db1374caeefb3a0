/**
 * The host's half of the lab's bridges, a process of its own so it outlives `aviary cluster up`. Argument: the
 * lab's layout file.
 */
import { readFile } from 'node:fs/promises';
import { openBridges } from './bridge.ts';
import { halfBridges, type LabLayout } from './layout.ts';

const [layoutFile] = process.argv.slice(2);
if (layoutFile === undefined) throw new Error('usage: host-bridge-main.ts <layout.json>');
const layout = JSON.parse(await readFile(layoutFile, 'utf8')) as LabLayout;
const bridges = await openBridges(halfBridges(layout, 'host'), (bridge, error) => {
  process.stderr.write(`${new Date().toISOString()} bridge ${bridge}: ${error.message}\n`);
});
process.stderr.write(`${new Date().toISOString()} host bridges open: ${layout.bridges.map((b) => `${b.name} 127.0.0.1:${String(b.hostPort)}`).join(', ')}\n`);
// Open keep-alive connections would hold close() forever; a second is enough for the socket files to go.
const stop = (): void => {
  setTimeout(() => process.exit(0), 1000).unref();
  void bridges.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
