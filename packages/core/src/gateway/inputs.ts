import type { EnvVar } from '../api/kube-types.js';
import type { ActionsGateway } from '../api/types.js';

/** A PEM certificate and key (what a `kubernetes.io/tls` Secret holds). */
export interface TlsPair {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A PEM certificate, key and the CA that signed it. */
export interface TlsBundle extends TlsPair {
  readonly caPem: string;
}

/** Certificates the GMC generated (core only shapes them into Secrets). */
export interface GatewayCertificates {
  /** Self-signed leaf for the proxy's TLS CONNECT port; its cert doubles as the CA workers and the AGC trust. */
  readonly proxy: TlsPair;
  /** Server leaf for metrics endpoints, with its CA. */
  readonly metricsServer: TlsBundle;
  /** Client leaf for scrapers, with the same CA. */
  readonly metricsClient: TlsBundle;
}

/** Everything the GMC desired-state builders need besides the ActionsGateway itself. */
export interface GatewayBuildInputs {
  /** The ActionsGateway as stored (defaults are applied by the builders). Must carry name, namespace and uid. */
  readonly gateway: ActionsGateway;
  /** AGC image reference (digest-pinned in production). */
  readonly agcImage: string;
  /** Egress proxy image reference. */
  readonly proxyImage: string;
  /**
   * The worker image (our wrapper on the runner image) handed to every AGC as `WORKER_IMAGE`. Unset, the AGC
   * falls back to core's default, the plain runner image, which has no wrapper entrypoint.
   */
  readonly workerImage?: string | undefined;
  /** GitHub's egress CIDRs from /meta; empty until the first successful fetch (the proxy then gets DNS only). */
  readonly gitHubCidrs: readonly string[];
  /** The generated certificates. */
  readonly certificates: GatewayCertificates;
  /**
   * Env forwarded to the AGC after everything else (it wins on conflict). Build it with
   * {@link agcExtraEnvFrom}, which returns nothing unless the GMC runs with `--allow-agc-extra-env`.
   */
  readonly agcExtraEnv?: readonly EnvVar[];
}
