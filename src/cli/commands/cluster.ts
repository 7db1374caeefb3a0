import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import pc from 'picocolors';
import { binaryPaths } from '../../cluster/build.ts';
import { down, status, up } from '../../cluster/control-plane.ts';
import { kubeconfigPath } from '../../cluster/paths.ts';
import { ExitError, ExitCode } from '../../util/exit-codes.ts';

const progress = (message: string): void => {
  process.stderr.write(`${pc.dim('•')} ${message}\n`);
};

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('must be a whole number from 1 to 100');
  return n;
}

export function clusterCommand(): Command {
  const cluster = new Command('cluster').description(
    'Run a real local Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler, KWOK nodes)',
  );

  cluster
    .command('up')
    .description('Build (first run only) and start the local cluster; idempotent')
    .option('--nodes <n>', 'number of fake nodes', positiveInt, 3)
    .action(async (opts: { nodes: number }) => {
      const result = await up({ nodes: opts.nodes, progress });
      const what = result.started.length === 0 ? 'already running' : `ready in ${(result.elapsedMs / 1000).toFixed(1)} s`;
      progress(`local cluster ${what}`);
      process.stderr.write(`\n  export KUBECONFIG=${result.kubeconfig}\n  aviary cluster kubectl get nodes\n  aviary cluster down   # when done\n\n`);
      process.stdout.write(`${result.kubeconfig}\n`);
    });

  cluster
    .command('down')
    .description('Stop every process of the local cluster and free its ports (keeps its data for the next up)')
    .action(async () => {
      const stopped = await down(progress);
      progress(stopped.length === 0 ? 'local cluster was not running' : 'local cluster stopped');
    });

  cluster
    .command('status')
    .description('Report each component of the local cluster; exits 1 unless all are running and healthy')
    .option('-o, --output <format>', 'output format: text or json', 'text')
    .action(async (opts: { output: string }) => {
      const report = await status();
      if (opts.output === 'json') {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else if (opts.output === 'text') {
        for (const c of report.components) {
          const mark = c.healthy ? pc.green('✔') : c.running ? pc.yellow('…') : pc.red('✖');
          process.stdout.write(`${mark} ${c.name.padEnd(24)} ${String(c.pid ?? '-').padEnd(8)} :${c.port}  ${c.detail}\n`);
        }
        process.stdout.write(`kubeconfig: ${report.kubeconfig}\n`);
      } else {
        throw new ExitError(`--output must be "text" or "json", got "${opts.output}"`, ExitCode.usage);
      }
      if (!report.components.every((c) => c.healthy)) process.exitCode = ExitCode.failed;
    });

  cluster
    .command('kubeconfig')
    .description('Print the path of the local cluster\'s kubeconfig (--raw: its contents)')
    .option('--raw', 'print the kubeconfig itself')
    .action(async (opts: { raw?: boolean }) => {
      const file = kubeconfigPath();
      if (opts.raw !== true) {
        process.stdout.write(`${file}\n`);
        return;
      }
      try {
        process.stdout.write(await readFile(file, 'utf8'));
      } catch {
        throw new ExitError(`no kubeconfig at ${file}: run \`aviary cluster up\` first`, ExitCode.notFound);
      }
    });

  cluster
    .command('kubectl')
    .description('Run the kubectl built with the local cluster against it, e.g. `aviary cluster kubectl get pods -A`')
    .argument('[args...]', 'arguments for kubectl')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (args: string[]) => {
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(binaryPaths().kubectl, args, { stdio: 'inherit', env: { ...process.env, KUBECONFIG: kubeconfigPath() } });
        child.on('error', (error) => {
          reject(new ExitError(`cannot run kubectl (${error.message}): run \`aviary cluster up\` first`, ExitCode.usage));
        });
        child.on('close', (c) => {
          resolve(c ?? ExitCode.failed);
        });
      });
      process.exitCode = code;
    });

  return cluster;
}
