import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ExitError, ExitCode } from '../util/exit-codes.ts';
import { runLogged, tailFile } from './exec.ts';
import { buildModuleDir, cacheRoot, kubernetesBinDir, kwokBinDir } from './paths.ts';
import { versions } from './versions.ts';

export interface Binaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
}

const kubernetesCommands = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'] as const;
const stampFile = '.aviary-build';

export function binaryPaths(): Binaries {
  const k8s = kubernetesBinDir();
  return {
    etcd: join(k8s, 'etcd'),
    kubeApiserver: join(k8s, 'kube-apiserver'),
    kubeControllerManager: join(k8s, 'kube-controller-manager'),
    kubeScheduler: join(k8s, 'kube-scheduler'),
    kubectl: join(k8s, 'kubectl'),
    kwok: join(kwokBinDir(), 'kwok'),
  };
}

/**
 * Builds the control plane binaries from the Go module proxy unless a build for the same versions and the same
 * build module (go.mod + go.sum) is cached. Each output directory is written under a temporary name and renamed
 * when complete, so an interrupted build never leaves a half-filled cache behind.
 */
export async function ensureBinaries(progress: (message: string) => void): Promise<Binaries> {
  const paths = binaryPaths();
  const kubernetesStamp = await buildModuleChecksum();
  const needKubernetes = !(await stampMatches(kubernetesBinDir(), kubernetesStamp));
  const needKwok = !(await stampMatches(kwokBinDir(), versions.kwok));
  if (!needKubernetes && !needKwok) return paths;

  const go = await findGo();
  await mkdir(cacheRoot(), { recursive: true });
  if (needKubernetes) {
    progress(`building Kubernetes ${versions.kubernetes} and etcd ${versions.etcd} with ${go} (first run only; about 15-25 minutes on 2 cores)`);
    const started = Date.now();
    await buildInto(kubernetesBinDir(), kubernetesStamp, async (out, logFile) => {
      await goRun(['build', '-trimpath', '-tags', 'selinux,notest', '-ldflags', versionLdflags(), '-o', `${out}/`,
        'go.etcd.io/etcd/server/v3', ...kubernetesCommands.map((c) => `k8s.io/kubernetes/cmd/${c}`)], buildModuleDir, logFile);
      // go names the etcd binary after the last path element of its package without the major version: "server".
      await rename(join(out, 'server'), join(out, 'etcd'));
    });
    progress(`built Kubernetes in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  if (needKwok) {
    progress(`building KWOK ${versions.kwok}`);
    await buildInto(kwokBinDir(), versions.kwok, async (out, logFile) => {
      // KWOK has no replace directives, so its own go.mod (verified by the checksum database) pins its build.
      await goRun(['install', '-trimpath', '-ldflags', '-s -w', `sigs.k8s.io/kwok/cmd/kwok@${versions.kwok}`], cacheRoot(), logFile, { GOBIN: out });
    });
  }
  return paths;
}

function versionLdflags(): string {
  const version = versions.kubernetes;
  const [major, minor] = version.slice(1).split('.');
  const flags = ['-s', '-w'];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(`-X ${pkg}.gitVersion=${version}`, `-X ${pkg}.gitMajor=${major ?? ''}`, `-X ${pkg}.gitMinor=${minor ?? ''}`, `-X ${pkg}.gitTreeState=clean`);
  }
  return flags.join(' ');
}

export async function buildInto(dir: string, stamp: string, build: (out: string, logFile: string) => Promise<void>): Promise<void> {
  const out = `${dir}.partial-${process.pid}`;
  const logFile = `${dir}.build.log`;
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await writeFile(logFile, '');
  try {
    await build(out, logFile);
    await writeFile(join(out, stampFile), stamp);
    await rm(dir, { recursive: true, force: true });
    await rename(out, dir);
  } catch (error) {
    await rm(out, { recursive: true, force: true });
    throw error;
  }
}

/** Runs go with the settings every build here shares: no workspace, the local toolchain, static binaries. */
export async function goRun(args: string[], cwd: string, logFile: string, extraEnv: Record<string, string> = {}, what = 'the local cluster'): Promise<void> {
  const env = { ...process.env, GOWORK: 'off', GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false', ...extraEnv };
  const result = await runLogged('go', args, { cwd, env, logFile });
  if (result.code !== 0) {
    throw new ExitError(
      `building ${what} failed: go ${args.join(' ')} (in ${cwd}) exited with ${result.code ?? result.signal ?? 'unknown'}\n` +
        `--- last lines of ${logFile} ---\n${await tailFile(logFile)}`,
    );
  }
}

export async function findGo(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('go', ['version']);
    return stdout.trim();
  } catch {
    throw new ExitError(
      'the local cluster is built from source and needs Go >= 1.26, which is not on PATH. ' +
        'Install Go (https://go.dev/dl/), or point KUBECONFIG at an existing cluster instead of the local one.',
      ExitCode.usage,
    );
  }
}

async function buildModuleChecksum(): Promise<string> {
  return `${versions.kubernetes} ${versions.etcd} ${await moduleChecksum(buildModuleDir)}`;
}

/** A build module's identity: the checksum of its go.mod and go.sum, part of the cache stamp of what it builds. */
export async function moduleChecksum(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(await readFile(join(dir, file)));
  return hash.digest('hex');
}

export async function stampMatches(dir: string, expected: string): Promise<boolean> {
  try {
    await access(dir);
    return (await readFile(join(dir, stampFile), 'utf8')) === expected;
  } catch {
    return false;
  }
}
