/**
 * The command tree. Each command's module is imported only when that command runs (or when help, completion or an
 * unknown command needs them all): importing every command up front pulls in the controller, the local cluster
 * and @kubernetes/client-node, several hundred milliseconds before `aviary get rollout` could print a line.
 */
import { Command, CommanderError } from 'commander';
import { ExitError, ExitCode, exitCodeHelp } from '../util/exit-codes.ts';
import { addKubeOptions } from './flags.ts';

interface CommandEntry {
  name: string;
  load: () => Promise<Command>;
}

/** Every command, in the order help lists them. */
const commands: readonly CommandEntry[] = [
  { name: 'get', load: async () => (await import('./commands/get.ts')).getCommand() },
  { name: 'list', load: async () => (await import('./commands/list.ts')).listCommand() },
  { name: 'status', load: async () => (await import('./commands/status.ts')).statusCommand() },
  { name: 'promote', load: async () => (await import('./commands/promote.ts')).promoteCommand() },
  { name: 'abort', load: async () => (await import('./commands/abort.ts')).abortCommand() },
  { name: 'retry', load: async () => (await import('./commands/retry.ts')).retryCommand() },
  { name: 'pause', load: async () => (await import('./commands/pause.ts')).pauseCommand() },
  { name: 'restart', load: async () => (await import('./commands/restart.ts')).restartCommand() },
  { name: 'undo', load: async () => (await import('./commands/undo.ts')).undoCommand() },
  { name: 'set', load: async () => (await import('./commands/set.ts')).setCommand() },
  { name: 'create', load: async () => (await import('./commands/create.ts')).createCommand() },
  { name: 'lint', load: async () => (await import('./commands/lint.ts')).lintCommand() },
  { name: 'plan', load: async () => (await import('./commands/plan.ts')).planCommand() },
  { name: 'track', load: async () => (await import('./commands/track.ts')).trackCommand() },
  { name: 'load', load: async () => (await import('./commands/load.ts')).loadCommand() },
  { name: 'loadtester', load: async () => (await import('./commands/loadtester.ts')).loadtesterCommand() },
  { name: 'controller', load: async () => (await import('./commands/controller.ts')).controllerCommand() },
  { name: 'install', load: async () => (await import('./commands/install.ts')).installCommand() },
  { name: 'demo', load: async () => (await import('./commands/demo.ts')).demoCommand() },
  { name: 'cluster', load: async () => (await import('./commands/cluster.ts')).clusterCommand() },
  { name: 'completion', load: async () => (await import('./commands/completion.ts')).completionCommand(() => buildProgram([])) },
  { name: 'version', load: async () => (await import('./commands/version.ts')).versionCommand() },
];

/** Program options that take a value, so the command name can be found after them. */
const valueOptions = new Set(['-n', '--namespace', '--context', '--kubeconfig', '--group']);

/** The command named on the command line (the first word that is not a program option), if any. */
export function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (valueOptions.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return arg;
  }
  return undefined;
}

/**
 * The program with the command that `args` (the words after the program name) runs; with every command when no
 * known command is named (help, or an unknown word commander will suggest a spelling for).
 */
export async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = addKubeOptions(new Command('aviary'))
    .description('Progressive delivery for Kubernetes: canary and blue-green releases judged by metrics.')
    .addHelpText('after', `\n${exitCodeHelp}\n\nDocs: docs/cli.md. Also runs as a kubectl plugin: kubectl aviary <command>.`)
    // Program options are read only before the command name, so commands keep their own -n, --context, ...
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride();
  const word = commandWord(args);
  const chosen = commands.filter((c) => c.name === word);
  for (const entry of chosen.length > 0 ? chosen : commands) program.addCommand(await entry.load());
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

export async function runCli(argv: string[]): Promise<number> {
  // Output piped into `head` and the like may close early; that is not an error of ours.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  try {
    const program = await buildProgram(argv.slice(2));
    await program.parseAsync(argv);
    // Commands that finish with a non-zero status (e.g. `cluster status`) set process.exitCode themselves.
    return Number(process.exitCode ?? ExitCode.success);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version output end with exit code 0; everything else commander reports is a usage error.
      return error.exitCode === 0 ? ExitCode.success : ExitCode.usage;
    }
    const red = (s: string): string => (process.stderr.isTTY && (process.env.NO_COLOR ?? '') === '' ? `\x1b[31m${s}\x1b[39m` : s);
    if (error instanceof ExitError) {
      process.stderr.write(`${red('error:')} ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`${red('error:')} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCode.failed;
  }
}
