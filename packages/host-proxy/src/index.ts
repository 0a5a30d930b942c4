/**
 * `@actions-gateway/proxy`: the per-tenant egress proxy. HTTP CONNECT to allowed GitHub destinations only,
 * with every resolved address checked and pinned against SSRF. `startEgressProxy` is the library; the
 * `egress-proxy` bin wraps it with flags, signals and a ready line.
 */
export { startEgressProxy } from './server.js';
export type { BoundAddress, EgressProxy, EgressProxyConfig, EgressProxyDeps } from './server.js';
export { loadConfig, helpText, parseDuration } from './config.js';
export type { CliConfig } from './config.js';
export { defaultLimits, systemClock } from './limits.js';
export type { Clock, ClockTimer, ProxyLimits } from './limits.js';
export { netDialer, systemResolver } from './resolver.js';
export type { DialTarget, Dialer } from './resolver.js';
export { decideDestination, parseConnectTarget } from './policy/decide.js';
export type { ConnectTarget, Decision, DestinationPolicy, Pinned, Refused, Resolver } from './policy/decide.js';
export { parseHostPattern, hostAllowed } from './policy/hosts.js';
export type { HostPattern } from './policy/hosts.js';
export { parseCidr, cidrContains, refusedRange } from './policy/ranges.js';
export type { Cidr } from './policy/ranges.js';
export { normaliseHost } from './policy/ip-normalise.js';
export type { NormalisedHost } from './policy/ip-normalise.js';
export type { IpAddress } from './policy/ip.js';
export { defaultAllowHosts, defaultAllowPorts } from './defaults.js';
export { createProxyLogger } from './logging.js';
export type { LogLevel } from './logging.js';
