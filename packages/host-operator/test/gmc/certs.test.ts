import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CERT_RENEW_BEFORE_MS, certNeedsRenewal, generateMetricsBundle, generateProxyCert } from '../../src/index.js';

const day = 86_400_000;

describe('tenant certificates', () => {
  it('makes the proxy leaf: RSA-2048, the four Service names, 365 days, serverAuth, PKCS#8 key', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const { cert, key } = await generateProxyCert('team-a', now);
    const x = new X509Certificate(cert);
    expect(x.subject).toBe('CN=actions-gateway-proxy.team-a.svc.cluster.local');
    expect(x.subjectAltName).toBe(
      'DNS:actions-gateway-proxy, DNS:actions-gateway-proxy.team-a, DNS:actions-gateway-proxy.team-a.svc, DNS:actions-gateway-proxy.team-a.svc.cluster.local',
    );
    expect(new Date(x.validTo).getTime() - now.getTime()).toBe(365 * day);
    expect(x.ca).toBe(false);
    expect(x.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const pk = createPrivateKey(key);
    expect(pk.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(x.checkPrivateKey(pk)).toBe(true);
  });

  it('makes the metrics bundle: a CA that signed a server leaf for both Services and a client leaf', async () => {
    const b = await generateMetricsBundle('team-a');
    const ca = new X509Certificate(b.ca);
    const server = new X509Certificate(b.server.cert);
    const client = new X509Certificate(b.client.cert);
    expect(ca.ca).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(server.subjectAltName).toContain('DNS:actions-gateway-controller.team-a.svc.cluster.local');
    expect(client.subject).toBe('CN=actions-gateway-metrics-scraper');
    expect(client.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
  });

  it('renews when missing, unparseable, or within 30 days of expiry', async () => {
    const issued = new Date('2026-01-01T00:00:00Z');
    const { cert } = await generateProxyCert('ns', issued);
    expect(certNeedsRenewal(undefined)).toBe(true);
    expect(certNeedsRenewal('garbage')).toBe(true);
    expect(certNeedsRenewal(cert, new Date(issued.getTime() + 300 * day))).toBe(false);
    expect(certNeedsRenewal(cert, new Date(issued.getTime() + 365 * day - CERT_RENEW_BEFORE_MS))).toBe(true);
  });
});
