#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { CliError, ExitCode, exitCodeHelp } from './exit-codes.ts';
import { clusterCommand } from './commands/cluster.ts';
import { trackCommand } from './commands/track.ts';
import { controllerCommand } from './commands/controller.ts';
import { versionCommand } from './commands/version.ts';
import { installCommand } from './commands/install.ts';
import { demoCommand } from './commands/demo.ts';
import { planCommand } from './commands/plan.ts';

export function buildProgram(): Command {
  const program = new Command('aviary')
    .description('Progressive delivery for Kubernetes: canary and blue-green releases judged by metrics.')
    .addHelpText('after', `\n${exitCodeHelp}`)
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(clusterCommand());
  program.addCommand(trackCommand());
  program.addCommand(controllerCommand());
  program.addCommand(versionCommand());
  program.addCommand(installCommand());
  program.addCommand(demoCommand());
  program.addCommand(planCommand());
  applyToAll(program);
  return program;
}

/**
 * Settings commander does not pass down to commands added with addCommand: every command reports usage errors
 * through the same path (exit code 64) and shows help after an error.
 */
function applyToAll(command: Command): void {
  for (const sub of command.commands) {
    sub.exitOverride().showHelpAfterError();
    applyToAll(sub);
  }
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // Commands that finish with a non-zero status (e.g. `cluster status`) set process.exitCode themselves.
    return Number(process.exitCode ?? ExitCode.success);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version output end with exit code 0; everything else commander reports is a usage error.
      return error.exitCode === 0 ? ExitCode.success : ExitCode.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`${pc.red('error:')} ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`${pc.red('error:')} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCode.failed;
  }
}

// Output piped into `head` and the like may close early; that is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv);
