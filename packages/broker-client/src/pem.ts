import { createPrivateKey, type KeyObject } from 'node:crypto';
import { invalidInput } from './errors.js';

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/;
const accepted = new Set(['RSA PRIVATE KEY', 'PRIVATE KEY']);

/**
 * Loads a GitHub App private key: PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`) PEM, RSA ≥ 2048 bits
 * or Ed25519. Throws `invalid_input` naming what is wrong (not a PEM, encrypted, a public key, a certificate…).
 */
export function loadPrivateKey(pem: string | Buffer, field = 'privateKey'): KeyObject {
  const text = (typeof pem === 'string' ? pem : pem.toString('utf8')).replace(/\\n/g, '\n').trim();
  const match = pemBlock.exec(text);
  if (!match) throw invalidInput(field, 'not a PEM private key (no -----BEGIN …----- / -----END …----- block)');
  const label = match[1]!;
  if (label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(match[0])) {
    throw invalidInput(field, 'the PEM is encrypted; give the unencrypted key GitHub generated');
  }
  if (!accepted.has(label)) {
    throw invalidInput(field, `PEM block "${label}" is not a private key (expected "RSA PRIVATE KEY" or "PRIVATE KEY")`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: match[0], format: 'pem' });
  } catch (cause) {
    throw invalidInput(field, `the "${label}" PEM does not decode: ${(cause as Error).message}`, cause);
  }
  return checkSigningKey(key, field);
}

/** Accepts RSA (≥ 2048 bits) and Ed25519 private keys. */
export function checkSigningKey(key: KeyObject, field: string): KeyObject {
  if (key.type !== 'private') throw invalidInput(field, 'is not a private key');
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw invalidInput(field, `RSA key of ${bits} bits is too small (GitHub requires ≥ 2048)`);
    return key;
  }
  if (key.asymmetricKeyType === 'ed25519') return key;
  throw invalidInput(field, `unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (expected RSA or Ed25519)`);
}
