// Names that must stay DNS-safe and short (object names used as label values are capped at 63).
import { createHash } from 'node:crypto';

/** Longest DNS label and label value. */
export const MAX_DNS_LABEL_LENGTH = 63;
const HASH_LENGTH = 8;

/** First 8 hex chars of sha256(input): stable across processes and releases. */
export function shortHash(input: string): string {
  return createHash('sha256').update(input, 'utf8').digest('hex').slice(0, HASH_LENGTH);
}

/**
 * Makes `raw` a DNS label of at most `maxLength` chars. A raw value that already is one is returned as is;
 * anything else is lowercased, has every char outside `[a-z0-9-]` replaced by `-`, is trimmed of `-` at both
 * ends, cut to fit, and gets `-<sha256(raw)[0:8]>` appended, so two different inputs never share a result
 * by accident and the same input always gives the same name.
 */
export function boundedDnsLabel(raw: string, maxLength = MAX_DNS_LABEL_LENGTH): string {
  if (raw.length <= maxLength && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(raw)) return raw;
  const hash = shortHash(raw);
  const room = Math.max(0, maxLength - HASH_LENGTH - 1);
  const stem = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+/, '')
    .slice(0, room)
    .replace(/-+$/, '');
  return stem ? `${stem}-${hash}` : hash;
}

/** A label value for `raw` (≤ 63 chars, DNS-label shaped; raw values that fit are kept). */
export function boundedLabelValue(raw: string): string {
  if (raw.length <= MAX_DNS_LABEL_LENGTH && /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/.test(raw)) return raw;
  return boundedDnsLabel(raw);
}

/**
 * Name of the RunnerGroup object for entry `groupName` of ActionsGateway `gatewayName`: `<gateway>-<name>`,
 * or, when that is longer than 63 chars or not a DNS label, its bounded form with a hash suffix
 * (see {@link boundedDnsLabel}). Always ≤ 63 chars so it is usable as a label value and inside pod names.
 */
export function runnerGroupObjectName(gatewayName: string, groupName: string): string {
  return boundedDnsLabel(`${gatewayName}-${groupName}`);
}
