// Ports of the tenant processes (DESIGN §1: AGC 8080 metrics + 8081 health; proxy 8080 CONNECT + 8081 health/metrics).

/** AGC Prometheus metrics (plain HTTP, as the seed says). */
export const AGC_METRICS_PORT = 8080;
/** Health (`/healthz`, `/readyz`) of the AGC and the proxy; the proxy also serves its metrics here. */
export const HEALTH_PORT = 8081;
/** The proxy's TLS CONNECT port. */
export const PROXY_PORT = 8080;
