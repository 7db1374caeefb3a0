import { Argument, Command } from 'commander';
import { bashScript, commandTree, fishScript, zshScript } from '../completion.ts';

export function completionCommand(fullProgram: () => Promise<Command>): Command {
  return new Command('completion')
    .description('Print a shell completion script (commands, flags and Rollout names)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .option('--program <name>', 'the command the script completes (e.g. kubectl-aviary)', 'aviary')
    .addHelpText('after', `
Examples:
  source <(aviary completion bash)            # in ~/.bashrc
  source <(aviary completion zsh)             # in ~/.zshrc
  aviary completion fish > ~/.config/fish/completions/aviary.fish`)
    .action(async (shell: 'bash' | 'zsh' | 'fish', flags: { program: string }) => {
      const tree = commandTree(await fullProgram());
      const script = shell === 'bash' ? bashScript(tree, flags.program) : shell === 'zsh' ? zshScript(tree, flags.program) : fishScript(tree, flags.program);
      process.stdout.write(script);
    });
}
