// The fake's own CA and a server certificate for 127.0.0.1/localhost, so HTTPS clients can be made to trust it.
import { webcrypto } from 'node:crypto';

// @peculiar/x509 pulls in tsyringe, which insists on a Reflect metadata API; a small WeakMap one is enough for it.
function ensureReflectMetadata(): void {
  const R = Reflect as unknown as Record<string, unknown>;
  if (typeof R.getMetadata === 'function') return;
  const store = new WeakMap<object, Map<unknown, unknown>>();
  const bag = (target: object): Map<unknown, unknown> => {
    let m = store.get(target);
    if (!m) store.set(target, (m = new Map()));
    return m;
  };
  const getOwn = (key: unknown, target: object): unknown => store.get(target)?.get(key);
  const get = (key: unknown, target: object): unknown => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const v = getOwn(key, t);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  R.defineMetadata = (key: unknown, value: unknown, target: object): void => void bag(target).set(key, value);
  R.getOwnMetadata = getOwn;
  R.getMetadata = get;
  R.hasOwnMetadata = (key: unknown, target: object): boolean => store.get(target)?.has(key) ?? false;
  R.hasMetadata = (key: unknown, target: object): boolean => get(key, target) !== undefined;
  R.metadata = (key: unknown, value: unknown) => (target: object): void => void bag(target).set(key, value);
}

export async function makeTlsMaterial(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  ensureReflectMetadata();
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as never);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const caKeys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 3_600_000);
  const notAfter = new Date(Date.now() + 365 * 86_400_000);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=Fake GitHub Test CA', notBefore, notAfter, keys: caKeys as never, signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '02', subject: 'CN=127.0.0.1', issuer: ca.subject, notBefore, notAfter, signingAlgorithm: alg,
    publicKey: keys.publicKey as never, signingKey: caKeys.privateKey as never,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'localhost' }])],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(pkcs8).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
  return { caPem: ca.toString('pem'), certPem: cert.toString('pem'), keyPem };
}
