import { join } from 'node:path';
import type { Binaries } from './build.ts';
import type { Credentials } from './credentials.ts';
import type { ProcessSpec } from './processes.ts';

export interface Ports {
  apiserver: number;
  etcdClient: number;
  etcdPeer: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

/** Ports are a block starting at a base, so a second cluster (or a busy port) is one variable away. */
export function portsFrom(base: number): Ports {
  return { apiserver: base, etcdClient: base + 1, etcdPeer: base + 2, controllerManager: base + 3, scheduler: base + 4, kwok: base + 5 };
}

export interface Component extends ProcessSpec {
  port: number;
  healthUrl: string;
  /** Whether the health endpoint needs the admin token. */
  authenticated: boolean;
}

export interface Layout {
  dir: string;
  kubeconfig: string;
  certDir: string;
}

/** The fake nodes' pod network; the traffic lab makes exactly this range local inside its network namespace. */
export const podCidr = '10.244.0.0/16';

const alwaysAllow = '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics';

/** The control plane's processes in start order, with the flags that make them one small cluster. */
export function components(bins: Binaries, ports: Ports, layout: Layout, creds: Credentials): Component[] {
  const { dir, kubeconfig, certDir } = layout;
  const spec = (name: string, binary: string, port: number, healthUrl: string, args: string[], authenticated = false): Component => ({
    name,
    binary,
    args,
    port,
    healthUrl,
    authenticated,
    logFile: join(dir, 'logs', `${name}.log`),
    pidFile: join(dir, 'run', `${name}.pid`),
  });
  const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
  return [
    spec('etcd', bins.etcd, ports.etcdClient, `${etcdUrl}/health`, [
      '--name=aviary',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-cluster=aviary=http://127.0.0.1:${ports.etcdPeer}`,
      // A throwaway test cluster: durability is not worth the fsync latency.
      '--unsafe-no-fsync=true',
      '--quota-backend-bytes=8589934592',
      '--log-level=warn',
    ]),
    spec('kube-apiserver', bins.kubeApiserver, ports.apiserver, `https://127.0.0.1:${ports.apiserver}/readyz`, [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${ports.apiserver}`,
      `--cert-dir=${certDir}`,
      `--token-auth-file=${creds.tokenFile}`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${creds.serviceAccountKeyFile}`,
      `--service-account-signing-key-file=${creds.serviceAccountKeyFile}`,
      '--service-cluster-ip-range=10.96.0.0/12',
      '--allow-privileged=true',
      // The advertise address is loopback, which may not appear in the kubernetes Service's endpoints.
      '--endpoint-reconciler-type=none',
    ], true),
    spec('kube-controller-manager', bins.kubeControllerManager, ports.controllerManager, `https://127.0.0.1:${ports.controllerManager}/healthz`, [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${ports.controllerManager}`,
      alwaysAllow,
      `--root-ca-file=${join(certDir, 'apiserver.crt')}`,
      `--service-account-private-key-file=${creds.serviceAccountKeyFile}`,
      '--leader-elect=false',
      // Faster reactions than a production cluster needs; the tests and the demo wait on these controllers.
      '--concurrent-deployment-syncs=10',
      '--concurrent-replicaset-syncs=10',
      '--kube-api-qps=200',
      '--kube-api-burst=400',
    ]),
    spec('kube-scheduler', bins.kubeScheduler, ports.scheduler, `https://127.0.0.1:${ports.scheduler}/healthz`, [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${ports.scheduler}`,
      alwaysAllow,
      '--leader-elect=false',
      '--kube-api-qps=200',
      '--kube-api-burst=400',
    ]),
    spec('kwok', bins.kwok, ports.kwok, `http://127.0.0.1:${ports.kwok}/healthz`, [
      `--kubeconfig=${kubeconfig}`,
      '--manage-all-nodes=true',
      `--server-address=127.0.0.1:${ports.kwok}`,
      '--node-ip=127.0.0.1',
      '--node-lease-duration-seconds=40',
      // The default pod CIDR has 254 addresses; benchmarks run thousands of pods.
      `--cidr=${podCidr}`,
    ]),
  ];
}
