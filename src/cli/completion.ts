/**
 * Shell completion scripts generated from the command tree, so they never fall behind the commands: command and
 * subcommand names, each command's flags, and Rollout names (from `aviary list rollouts -o name`, in the namespace
 * given with -n) where a command takes one.
 */
import type { Command } from 'commander';

export interface CommandNode {
  /** Words from the program to this command, e.g. ['get', 'rollout']. */
  path: string[];
  description: string;
  flags: { long?: string; short?: string; description: string }[];
  children: CommandNode[];
  /** The first argument is a Rollout name. */
  takesRollout: boolean;
}

const rolloutArgs = new Set(['name', 'names', 'args']);

export function commandTree(command: Command, path: string[] = []): CommandNode {
  const args = command.registeredArguments;
  return {
    path,
    description: command.description(),
    flags: command.options.map((o) => ({ ...(o.long === undefined ? {} : { long: o.long }), ...(o.short === undefined ? {} : { short: o.short }), description: o.description })),
    children: command.commands.map((c) => commandTree(c, [...path, c.name()])),
    takesRollout: path.length > 0 && args[0] !== undefined && rolloutArgs.has(args[0].name()) && !['plan', 'track', 'cluster', 'demo'].includes(path[0] ?? ''),
  };
}

function walk(node: CommandNode): CommandNode[] {
  return [node, ...node.children.flatMap(walk)];
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function bashScript(root: CommandNode, program: string): string {
  const nodes = walk(root);
  const cases = nodes.map((n) => {
    const words = [...n.children.map((c) => c.path[c.path.length - 1] ?? ''), ...n.flags.flatMap((f) => [f.long, f.short].filter((x): x is string => x !== undefined))];
    return `    ${quote(n.path.join(' '))}) words=${quote(words.join(' '))}; rollouts=${n.takesRollout ? 1 : 0} ;;`;
  });
  const paths = nodes.filter((n) => n.path.length > 0).map((n) => quote(n.path.join(' ')));
  return `# ${program} completion for bash: source <(${program} completion bash)
_${program.replace(/-/g, '_')}_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" ns="" w i words rollouts
  local -a known=(${paths.join(' ')})
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if [[ "$w" == "-n" || "$w" == "--namespace" ]]; then ns="\${COMP_WORDS[i+1]}"; continue; fi
    local candidate="\${path:+$path }$w"
    for k in "\${known[@]}"; do [[ "$k" == "$candidate" ]] && path="$candidate" && break; done
  done
  case "$path" in
${cases.join('\n')}
    *) words=""; rollouts=0 ;;
  esac
  if [[ "$cur" != -* && "$rollouts" == 1 ]]; then
    words="$words $(${program} list rollouts -o name \${ns:+-n "$ns"} 2>/dev/null | sed 's#.*/##')"
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _${program.replace(/-/g, '_')}_complete ${program}
`;
}

export function zshScript(root: CommandNode, program: string): string {
  return `#compdef ${program}
# ${program} completion for zsh: source <(${program} completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashScript(root, program).split('\n').slice(1).join('\n')}`;
}

export function fishScript(root: CommandNode, program: string): string {
  const lines = [`# ${program} completion for fish: ${program} completion fish | source`, `complete -c ${program} -f`];
  const fishQuote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  for (const node of walk(root)) {
    // Condition: the words so far are exactly this command's path.
    const condition = node.path.length === 0
      ? '__fish_use_subcommand'
      : `__fish_seen_subcommand_from ${node.path[node.path.length - 1] ?? ''}`;
    for (const child of node.children) {
      lines.push(`complete -c ${program} -n ${fishQuote(condition)} -a ${fishQuote(child.path[child.path.length - 1] ?? '')} -d ${fishQuote(child.description)}`);
    }
    if (node.path.length === 0) continue;
    for (const flag of node.flags) {
      const long = flag.long === undefined ? '' : ` -l ${flag.long.replace(/^--/, '')}`;
      const short = flag.short === undefined ? '' : ` -s ${flag.short.replace(/^-/, '')}`;
      lines.push(`complete -c ${program} -n ${fishQuote(condition)}${long}${short} -d ${fishQuote(flag.description)}`);
    }
    if (node.takesRollout) {
      lines.push(`complete -c ${program} -n ${fishQuote(condition)} -a ${fishQuote(`(${program} list rollouts -o name 2>/dev/null | string replace -r ".*/" "")`)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
