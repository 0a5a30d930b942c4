/**
 * In-process certificates for a tenant (gag-system §3.6) on `@peculiar/x509` and WebCrypto: RSA-2048,
 * 128-bit random serials, NotBefore one minute back, 365 days, PKCS#8 keys, renewed when 30 days or
 * less remain. Also the webhook's self-signed serving certificate when no cert files are given.
 */
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const rsa: webcrypto.RsaHashedKeyGenParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const day = 86_400_000;
/** Certificates live this long. */
export const CERT_VALIDITY_MS = 365 * day;
/** Certificates are replaced when this little time (or less) remains. */
export const CERT_RENEW_BEFORE_MS = 30 * day;
const serverAuth = '1.3.6.1.5.5.7.3.1';
const clientAuth = '1.3.6.1.5.5.7.3.2';

/** A PEM certificate and its PKCS#8 PEM private key. */
export interface CertPair {
  readonly cert: string;
  readonly key: string;
}

interface Issued extends CertPair {
  readonly keys: CryptoKeyPair;
  readonly certificate: x509.X509Certificate;
}

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f; // positive
  return Buffer.from(bytes).toString('hex');
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

interface LeafSpec {
  readonly cn: string;
  readonly dnsNames?: readonly string[];
  readonly ips?: readonly string[];
  readonly usages: number;
  readonly eku?: readonly string[];
  readonly ca?: boolean;
  readonly issuer?: Issued;
  readonly now: Date;
}

async function issue(spec: LeafSpec): Promise<Issued> {
  const keys = (await webcrypto.subtle.generateKey(rsa, true, ['sign', 'verify']));
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(spec.ca ?? false, undefined, true),
    new x509.KeyUsagesExtension(spec.usages, true),
  ];
  if (spec.eku) extensions.push(new x509.ExtendedKeyUsageExtension([...spec.eku]));
  const names = [...(spec.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })), ...(spec.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  const common = {
    serialNumber: serial(),
    notBefore: new Date(spec.now.getTime() - 60_000),
    notAfter: new Date(spec.now.getTime() + CERT_VALIDITY_MS),
    signingAlgorithm: rsa,
    extensions,
  };
  const name = `CN=${spec.cn}`;
  const certificate = spec.issuer
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject: name,
        issuer: spec.issuer.certificate.subject,
        publicKey: keys.publicKey,
        signingKey: spec.issuer.keys.privateKey,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name, keys });
  return { keys, certificate, cert: certificate.toString('pem') + '\n', key: await pkcs8Pem(keys.privateKey) };
}

/** The four DNS forms of a Service name in `namespace`. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

const KU = x509.KeyUsageFlags;

/** The proxy's self-signed serving leaf for `actions-gateway-proxy.<ns>.svc.cluster.local`. */
export async function generateProxyCert(namespace: string, now = new Date()): Promise<CertPair> {
  const { cert, key } = await issue({
    cn: `actions-gateway-proxy.${namespace}.svc.cluster.local`,
    dnsNames: serviceDnsNames('actions-gateway-proxy', namespace),
    usages: KU.keyEncipherment | KU.digitalSignature,
    eku: [serverAuth],
    now,
  });
  return { cert, key };
}

/** The metrics mTLS bundle: a per-tenant CA, a server leaf and a scraper client leaf. */
export interface MetricsBundle {
  readonly ca: string;
  readonly server: CertPair;
  readonly client: CertPair;
}

/** Generates the metrics CA, the server leaf (proxy and controller Service names) and the client leaf. */
export async function generateMetricsBundle(namespace: string, now = new Date()): Promise<MetricsBundle> {
  const ca = await issue({ cn: `actions-gateway-metrics-ca.${namespace}`, ca: true, usages: KU.keyCertSign | KU.cRLSign | KU.digitalSignature, now });
  // The two leaves' RSA keys are made side by side on libuv's threads (each takes 0.1–0.5 s).
  const [server, client] = await Promise.all([
    issue({
      cn: `actions-gateway-proxy.${namespace}.svc`,
      dnsNames: [...serviceDnsNames('actions-gateway-proxy', namespace), ...serviceDnsNames('actions-gateway-controller', namespace)],
      usages: KU.keyEncipherment | KU.digitalSignature,
      eku: [serverAuth],
      issuer: ca,
      now,
    }),
    issue({ cn: 'actions-gateway-metrics-scraper', usages: KU.keyEncipherment | KU.digitalSignature, eku: [clientAuth], issuer: ca, now }),
  ]);
  return { ca: ca.cert, server: { cert: server.cert, key: server.key }, client: { cert: client.cert, key: client.key } };
}

/** A self-signed serving certificate for the webhook (used when no cert files are mounted, and in tests). */
export async function generateServingCert(dnsNames: readonly string[], ips: readonly string[] = [], now = new Date()): Promise<CertPair> {
  const { cert, key } = await issue({ cn: dnsNames[0] ?? ips[0] ?? 'webhook', dnsNames, ips, usages: KU.keyEncipherment | KU.digitalSignature, eku: [serverAuth], now });
  return { cert, key };
}

/** True when `pem` is missing, unparseable, or expires within {@link CERT_RENEW_BEFORE_MS} of `now`. */
export function certNeedsRenewal(pem: string | undefined, now = new Date()): boolean {
  if (!pem) return true;
  try {
    const cert = new x509.X509Certificate(pem);
    return cert.notAfter.getTime() - now.getTime() <= CERT_RENEW_BEFORE_MS;
  } catch {
    return true;
  }
}
