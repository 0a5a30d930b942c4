// The egress proxy as a library: a CONNECT listener (plain TCP or TLS), the destination policy, the limits,
// the tunnels, and the health listener. `main.ts` is only flags, signals and the ready line around this.
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { createMetrics, type ProxyMetrics } from '@actions-gateway/metrics';
import { decideDestination, parseConnectTarget, type DestinationPolicy, type Resolver } from './policy/decide.js';
import { netDialer, systemResolver, type Dialer } from './resolver.js';
import { sweepIntervalMs, systemClock, type Clock, type ClockTimer, type ProxyLimits } from './limits.js';
import { Tunnel, type TunnelEnd } from './tunnel.js';
import { parseHead } from './head.js';
import { CONNECTED, sendError } from './responses.js';
import { createHealthServer } from './health.js';

/** Everything `startEgressProxy` needs to know; `loadConfig` builds it from flags and env. */
export interface EgressProxyConfig {
  /** Listen address of the CONNECT port. */
  readonly host: string;
  /** CONNECT port; 0 picks a free one. */
  readonly port: number;
  readonly healthHost: string;
  readonly healthPort: number;
  /** PEM certificate and key: the CONNECT port speaks TLS when present. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  readonly policy: DestinationPolicy;
  readonly limits: ProxyLimits;
}

/** Collaborators, injectable for tests; production defaults for all but the logger. */
export interface EgressProxyDeps {
  readonly logger: Logger;
  /** Where the metrics go; a fresh proxy registry when absent. */
  readonly metrics?: ProxyMetrics;
  readonly resolver?: Resolver;
  readonly dialer?: Dialer;
  readonly clock?: Clock;
}

/** A bound address. */
export interface BoundAddress {
  readonly host: string;
  readonly port: number;
}

/** A running proxy. */
export interface EgressProxy {
  readonly address: BoundAddress;
  readonly healthAddress: BoundAddress;
  readonly metrics: ProxyMetrics;
  /** Tunnels open or being dialled. */
  readonly tunnelCount: number;
  /**
   * Graceful stop: /readyz turns 503, the CONNECT port stops accepting, open tunnels may finish for up to
   * `graceMs` (the configured drain grace by default) and are then cut; finally the health port closes.
   */
  drain(graceMs?: number): Promise<void>;
  /** Immediate stop: a drain with no grace. */
  close(): Promise<void>;
}

function bound(server: Server | HttpServer): BoundAddress {
  const a = server.address() as AddressInfo;
  return { host: a.address, port: a.port };
}

/**
 * Accept-queue length of the CONNECT port. Node's default (511) overflows when hundreds of clients reconnect at
 * once (slowloris clients cut by the header timeout all come back together), and a dropped SYN costs a real
 * client a 1 s retransmit; the kernel caps it at `net.core.somaxconn`.
 */
const CONNECT_BACKLOG = 4096;

function listen(server: Server | HttpServer, host: string, port: number, backlog?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, ...(backlog !== undefined && { backlog }) }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Starts the proxy and its health server; resolves once both listen. */
export async function startEgressProxy(config: EgressProxyConfig, deps: EgressProxyDeps): Promise<EgressProxy> {
  const { logger, limits, policy } = { logger: deps.logger, limits: config.limits, policy: config.policy };
  const metrics = deps.metrics ?? createMetrics('proxy');
  const resolve = deps.resolver ?? systemResolver;
  const dial = deps.dialer ?? netDialer;
  const clock = deps.clock ?? systemClock;
  const tunnels = new Set<Tunnel>();
  // Sockets still sending their request head, oldest first, each with the way to drop it (stops its timer).
  const pending = new Map<Socket, () => void>();
  let reserved = 0;
  let ready = false;
  // Called whenever a reserved slot is released, so a drain learns when the last tunnel is gone.
  let onRelease: (() => void) | undefined;
  const releaseSlot = (): void => {
    reserved--;
    onRelease?.();
  };
  let draining = false;

  const linger = (socket: Socket): void => {
    const timer = clock.setTimer(() => socket.destroy(), limits.headerTimeoutMs);
    socket.once('close', () => timer.cancel());
  };

  const refuseHead = (socket: Socket, status: number, reason: string, fields: Record<string, unknown> = {}): void => {
    pending.delete(socket);
    logger.debug({ remote: socket.remoteAddress, status, reason, ...fields }, 'request refused');
    sendError(socket, status, reason, linger);
  };

  const onTunnelFinish = (tunnel: Tunnel, reason: TunnelEnd): void => {
    tunnels.delete(tunnel);
    releaseSlot();
    const seconds = (clock.now() - tunnel.startedAt) / 1000;
    metrics.proxyConnectionsActive.dec();
    metrics.proxyTunnelDuration.observe(seconds);
    if (logger.isLevelEnabled('debug')) {
      logger.debug(
        { reason, seconds, up: tunnel.upstream.bytesWritten, down: tunnel.client.bytesWritten, upstream: tunnel.upstream.remoteAddress },
        'tunnel closed',
      );
    }
  };

  // One sweep for all tunnels judges idleness and lifetime; see Tunnel for why traffic only sets a flag.
  const tick = sweepIntervalMs(limits);
  let sweepTimer: ClockTimer | undefined;
  const sweep = (): void => {
    const now = clock.now();
    for (const tunnel of tunnels) {
      if (tunnel.active) {
        tunnel.active = false;
        tunnel.lastActiveAt = now;
      }
      if (now - tunnel.startedAt >= limits.maxLifetimeMs) tunnel.destroy('lifetime');
      else if (now - tunnel.lastActiveAt >= limits.idleTimeoutMs) tunnel.destroy('idle');
    }
    sweepTimer = clock.setTimer(sweep, tick);
  };

  const openTunnel = async (socket: Socket, target: string, early: Buffer): Promise<void> => {
    const connectTarget = parseConnectTarget(target);
    if (!connectTarget) return refuseHead(socket, 400, 'CONNECT target must be host:port', { target });
    if (draining) return refuseHead(socket, 503, 'proxy is shutting down');
    if (reserved >= limits.maxTunnels) return refuseHead(socket, 503, 'too many tunnels');
    reserved++;
    pending.delete(socket);
    let released = false;
    const release = (): void => {
      if (!released) releaseSlot();
      released = true;
    };
    const decision = await decideDestination(policy, connectTarget, resolve);
    if (!decision.ok) {
      release();
      metrics.proxyDialErrors.inc();
      logger.warn({ target, reason: decision.reason, detail: decision.detail }, 'destination refused');
      return sendError(socket, decision.status, decision.reason, linger);
    }
    const failed = (err: unknown): void => {
      upstream?.removeListener('connect', connected);
      upstream?.destroy();
      release();
      metrics.proxyDialErrors.inc();
      logger.warn({ target, address: decision.address, err }, 'dial failed');
      sendError(socket, 502, 'upstream unavailable', linger);
    };
    let upstream: Socket | undefined;
    try {
      upstream = dial({ address: decision.address, family: decision.family, port: decision.port, hostname: decision.hostname });
    } catch (err) {
      return failed(err);
    }
    const dialing = upstream;
    const dialTimer = clock.setTimer(() => dialing.destroy(new Error('dial timeout')), limits.dialTimeoutMs);
    const dialError = (err: Error): void => {
      dialTimer.cancel();
      failed(err);
    };
    const connected = (): void => {
      dialTimer.cancel();
      dialing.removeListener('error', dialError);
      if (socket.destroyed || draining) {
        // The client left (or a drain started) while we dialled: nothing to relay.
        release();
        dialing.destroy();
        if (!socket.destroyed) sendError(socket, 503, 'proxy is shutting down', linger);
        return;
      }
      socket.write(CONNECTED);
      metrics.proxyConnections.inc();
      metrics.proxyConnectionsActive.inc();
      const tunnel = new Tunnel(socket, dialing, clock.now(), onTunnelFinish);
      tunnels.add(tunnel);
      if (logger.isLevelEnabled('debug')) logger.debug({ target, address: decision.address }, 'tunnel opened');
      tunnel.start(early);
    };
    dialing.once('connect', connected);
    dialing.once('error', dialError);
  };

  const onConnection = (socket: Socket): void => {
    socket.on('error', (err) => logger.debug({ err, remote: socket.remoteAddress }, 'client socket error'));
    if (draining) {
      socket.destroy();
      return;
    }
    // Connections still sending their head are bounded too (by the tunnel limit). At the bound the *oldest*
    // one is dropped, not the newcomer: a real client sends its head in milliseconds, so it is never the
    // oldest, and a slowloris flood cannot lock real clients out.
    if (pending.size >= limits.maxTunnels) {
      const [oldest, evict] = pending.entries().next().value ?? [];
      if (oldest && evict) {
        // debug, not warn: under a flood this fires per connection, and the log must not amplify the attack.
        logger.debug({ remote: oldest.remoteAddress, pending: pending.size }, 'too many request heads in flight; dropping the oldest');
        evict();
      }
    }
    let buffered: Buffer | undefined;
    const headerTimer = clock.setTimer(() => refuseHead(socket, 408, 'request head not received in time'), limits.headerTimeoutMs);
    pending.set(socket, () => {
      finishHead();
      refuseHead(socket, 408, 'request head not received in time (dropped for a newer connection)');
    });
    const finishHead = (): void => {
      headerTimer.cancel();
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.pause();
    };
    const onEnd = (): void => {
      finishHead();
      refuseHead(socket, 400, 'incomplete request head');
    };
    const onData = (chunk: Buffer): void => {
      const from = buffered ? Math.max(0, buffered.length - 3) : 0;
      buffered = buffered ? Buffer.concat([buffered, chunk]) : chunk;
      const end = buffered.indexOf(CRLFCRLF, from);
      if (end < 0 ? buffered.length > limits.maxHeaderBytes : end + 4 > limits.maxHeaderBytes) {
        finishHead();
        return refuseHead(socket, 431, 'request head too large', { bytes: buffered.length });
      }
      if (end < 0) return;
      finishHead();
      const parsed = parseHead(buffered.toString('latin1', 0, end));
      if (!parsed.ok) return refuseHead(socket, parsed.status, parsed.reason);
      openTunnel(socket, parsed.target, buffered.subarray(end + 4)).catch((err: unknown) => {
        logger.error({ err }, 'tunnel setup failed');
        socket.destroy();
      });
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.once('close', () => {
      headerTimer.cancel();
      pending.delete(socket);
    });
  };

  const serverOptions = { allowHalfOpen: true, noDelay: true, pauseOnConnect: false };
  const proxyServer: Server = config.tls
    ? createTlsServer(
        // A handshake is part of the request head: the same timeout bounds a client that never finishes it.
        { ...serverOptions, cert: config.tls.cert, key: config.tls.key, ALPNProtocols: ['http/1.1'], handshakeTimeout: limits.headerTimeoutMs },
        onConnection,
      )
    : createTcpServer(serverOptions, onConnection);
  // Every accepted TCP connection, whatever its stage (TLS handshake, head, lingering error response, tunnel),
  // so that a drain can close what is left once the tunnels are done.
  const connections = new Set<Socket>();
  proxyServer.on('connection', (raw: Socket) => {
    connections.add(raw);
    raw.once('close', () => connections.delete(raw));
  });
  if (config.tls) {
    // With a listener, Node leaves the failed socket open (a handshake timeout included): close it here.
    proxyServer.on('tlsClientError', (err: Error, tlsSocket: Socket) => {
      logger.debug({ err, remote: tlsSocket.remoteAddress }, 'TLS handshake failed');
      tlsSocket.destroy();
    });
  }
  const healthServer = createHealthServer({ isReady: () => ready && !draining, registry: metrics.registry });

  await listen(proxyServer, config.host, config.port, CONNECT_BACKLOG);
  try {
    await listen(healthServer, config.healthHost, config.healthPort);
  } catch (err) {
    proxyServer.close();
    throw err;
  }
  sweepTimer = clock.setTimer(sweep, tick);
  ready = true;

  let drained: Promise<void> | undefined;
  const drain = (graceMs = limits.drainGraceMs): Promise<void> => {
    drained ??= (async () => {
      draining = true;
      logger.info({ tunnels: tunnels.size, graceMs }, 'draining');
      const closed = new Promise<void>((done) => proxyServer.close(() => done()));
      for (const socket of pending.keys()) socket.destroy();
      await new Promise<void>((done) => {
        if (reserved === 0) return done();
        const cut = clock.setTimer(() => {
          for (const tunnel of tunnels) tunnel.destroy('drain');
        }, graceMs);
        onRelease = () => {
          if (reserved > 0) return;
          cut.cancel();
          done();
        };
      });
      for (const raw of connections) raw.destroy();
      await closed;
      sweepTimer?.cancel();
      await new Promise<void>((done) => {
        healthServer.close(() => done());
        healthServer.closeAllConnections();
      });
      logger.info('drained');
    })();
    return drained;
  };

  return {
    address: bound(proxyServer),
    healthAddress: bound(healthServer),
    metrics,
    get tunnelCount() {
      return reserved;
    },
    drain,
    close: () => drain(0),
  };
}
