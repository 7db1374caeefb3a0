import { Command } from 'commander';
import { aviaryVersion } from '../../version.ts';

export function versionCommand(): Command {
  return new Command('version').description('Print the Aviary version').action(() => {
    process.stdout.write(`aviary ${aviaryVersion}\n`);
  });
}
