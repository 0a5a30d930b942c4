// A throwaway CA and a server certificate for 127.0.0.1/localhost, made with @peculiar/x509.
import { webcrypto } from 'node:crypto';
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

/** PEM material for an HTTPS server and the CA its clients trust. */
export interface TestCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** The slice of WebCrypto used here, typed locally (the DOM crypto types are not in this project's lib). */
interface KeyPair {
  publicKey: object;
  privateKey: object;
}
interface Subtle {
  generateKey(alg: object, extractable: boolean, usages: string[]): Promise<KeyPair>;
  exportKey(format: 'pkcs8', key: object): Promise<ArrayBuffer>;
}
const subtle = webcrypto.subtle as unknown as Subtle;

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.trim()}\n-----END ${label}-----\n`;
}

/** Creates a CA and a leaf certificate for `hosts` (IPs and DNS names), valid for a day. */
export async function createTestCertificates(hosts: string[] = ['127.0.0.1', 'localhost', '::1']): Promise<TestCertificates> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 24 * 3600_000);
  const caKeys = await subtle.generateKey(alg, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    // A distinct name per CA: two of them in one trust store (the proxy's and the fake GitHub's) must not be
    // mistaken for each other when a chain is built by issuer name.
    name: `CN=actions-gateway-testkit-ca-${Buffer.from(webcrypto.getRandomValues(new Uint8Array(6))).toString('hex')}`,
    notBefore,
    notAfter,
    signingAlgorithm: alg,
    keys: caKeys as never,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const leafKeys = await subtle.generateKey(alg, true, ['sign', 'verify']);
  const names = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: `CN=${hosts[0] ?? 'localhost'}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: alg,
    publicKey: leafKeys.publicKey as never,
    signingKey: caKeys.privateKey as never,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ],
  });
  const keyDer = await subtle.exportKey('pkcs8', leafKeys.privateKey);
  return { caPem: ca.toString('pem') + '\n', certPem: leaf.toString('pem') + '\n', keyPem: pem('PRIVATE KEY', keyDer) };
}
