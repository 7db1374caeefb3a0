import { readFile } from 'node:fs/promises';
import { ExitError, ExitCode } from '../util/exit-codes.ts';

/** The text of a `-f` argument: a file, or standard input for `-`. An unreadable file is a usage error. */
export async function readSource(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ExitError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, ExitCode.usage);
  }
}
