import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import pc from 'picocolors';
import { binaryPaths } from '../../cluster/build.ts';
import { status } from '../../cluster/control-plane.ts';
import { kubeconfigPath } from '../../cluster/paths.ts';
import { labDown, labStatus, labUp, type LabReport } from '../../lab/lab.ts';
import { LabUnavailable } from '../../lab/netns.ts';
import { downWithLab, upWithLab } from '../../lab/stack.ts';
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
    .description('Build (first run only) and start the local cluster and its traffic lab; idempotent')
    .option('--nodes <n>', 'number of fake nodes', positiveInt, 3)
    .option('--no-lab', 'start the control plane only, without the traffic lab (gateway, pod runtime)')
    .action(async (opts: { nodes: number; lab: boolean }) => {
      const result = await upWithLab({ nodes: opts.nodes, lab: opts.lab, progress });
      const what = result.cluster.started.length === 0 ? 'already running' : `ready in ${(result.cluster.elapsedMs / 1000).toFixed(1)} s`;
      progress(`local cluster ${what}`);
      const gateway = result.lab === undefined ? '' : `  curl ${result.lab.gatewayUrl}/   # the lab's gateway\n`;
      process.stderr.write(`\n  export KUBECONFIG=${result.cluster.kubeconfig}\n  aviary cluster kubectl get nodes\n${gateway}  aviary cluster down   # when done\n\n`);
      process.stdout.write(`${result.cluster.kubeconfig}\n`);
    });

  cluster
    .command('down')
    .description('Stop every process of the local cluster and its lab and free their ports (keeps the cluster\'s data for the next up)')
    .action(async () => {
      const stopped = await downWithLab(progress);
      progress(stopped.length === 0 ? 'local cluster was not running' : 'local cluster stopped');
    });

  cluster.addCommand(labCommand());

  cluster
    .command('status')
    .description('Report each component of the local cluster; exits 1 unless all are running and healthy')
    .option('-o, --output <format>', 'output format: text or json', 'text')
    .action(async (opts: { output: string }) => {
      outputFormat(opts.output);
      const report = await status();
      const lab = await labStatus();
      if (opts.output === 'json') {
        process.stdout.write(`${JSON.stringify({ ...report, lab }, null, 2)}\n`);
      } else {
        for (const c of report.components) process.stdout.write(`${mark(c)} ${c.name.padEnd(24)} ${String(c.pid ?? '-').padEnd(8)} :${c.port}  ${c.detail}\n`);
        if (lab.present) writeLab(lab);
        else process.stdout.write(`${pc.dim('-')} traffic lab              off (aviary cluster lab up)\n`);
        process.stdout.write(`kubeconfig: ${report.kubeconfig}\n`);
      }
      const labHealthy = !lab.present || lab.components.every((c) => c.healthy);
      if (!report.components.every((c) => c.healthy) || !labHealthy) process.exitCode = ExitCode.failed;
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

function outputFormat(value: string): void {
  if (value !== 'text' && value !== 'json') throw new ExitError(`--output must be "text" or "json", got "${value}"`, ExitCode.usage);
}

function mark(c: { healthy: boolean; running: boolean }): string {
  return c.healthy ? pc.green('✔') : c.running ? pc.yellow('…') : pc.red('✖');
}

function writeLab(lab: LabReport): void {
  for (const c of lab.components) process.stdout.write(`${mark(c)} ${c.name.padEnd(24)} ${String(c.pid ?? '-').padEnd(8)}        ${c.detail}\n`);
  for (const b of lab.bridges) {
    const line = b.direction === 'out' ? `${b.host} -> lab ${b.lab}` : `lab ${b.lab} -> ${b.host}`;
    process.stdout.write(`  bridge ${bridgeLabel(b.name).padEnd(24)} ${line}\n`);
  }
}

/** The names people look for in status output: "gateway 127.0.0.1:PORT" is the line to curl. */
function bridgeLabel(name: string): string {
  const labels: Record<string, string> = {
    apiserver: 'apiserver',
    gateway: 'gateway',
    gatewayApi: 'gateway api',
    gatewayMetrics: 'gateway metrics',
    runtimeMetrics: 'pod runtime metrics',
  };
  return labels[name] ?? name;
}

function labCommand(): Command {
  const lab = new Command('lab').description('Manage the traffic lab alone: a network namespace with a real gateway and HTTP pods (docs/lab.md)');
  lab
    .command('up')
    .description('Start the lab on the running local cluster; idempotent')
    .action(async () => {
      try {
        const report = await labUp({ kubeconfig: kubeconfigPath(), progress });
        process.stdout.write(`${report.gatewayUrl}\n`);
      } catch (error) {
        if (error instanceof LabUnavailable) throw new ExitError(`the traffic lab cannot run here: ${error.message}`, ExitCode.usage);
        throw error;
      }
    });
  lab
    .command('down')
    .description('Stop the lab and remove its network namespace and sockets; the cluster keeps running')
    .action(async () => {
      const stopped = await labDown(progress);
      progress(stopped.length === 0 ? 'the lab was not running' : 'the lab stopped');
    });
  lab
    .command('status')
    .description('Report the lab\'s processes and bridged addresses; exits 1 unless all are healthy')
    .option('-o, --output <format>', 'output format: text or json', 'text')
    .action(async (opts: { output: string }) => {
      outputFormat(opts.output);
      const report = await labStatus();
      if (opts.output === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else if (report.present) writeLab(report);
      else process.stdout.write('the traffic lab is off (aviary cluster lab up)\n');
      if (!report.present || !report.components.every((c) => c.healthy)) process.exitCode = ExitCode.failed;
    });
  return lab;
}
