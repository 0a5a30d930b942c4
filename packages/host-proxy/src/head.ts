// Parsing of a request head (request line and header fields, without the final blank line). Strict on
// purpose: the proxy only needs the request line, and anything irregular is refused rather than guessed at.

/** The parsed head, or the status and public reason of its refusal. */
export type ParsedHead =
  | { readonly ok: true; readonly method: string; readonly target: string }
  | { readonly ok: false; readonly status: 400 | 405; readonly reason: string };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e\x80-\xff]*$/;
const TARGET = /^[\x21-\x7e]+$/;

/** Parses a head decoded as latin1; CRLF line ends only. */
export function parseHead(head: string): ParsedHead {
  const lines = head.split('\r\n');
  const requestLine = lines[0] ?? '';
  const parts = requestLine.split(' ');
  if (parts.length !== 3) return { ok: false, status: 400, reason: 'malformed request line' };
  const [method, target, version] = parts as [string, string, string];
  if (!TOKEN.test(method) || !TARGET.test(target)) return { ok: false, status: 400, reason: 'malformed request line' };
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') return { ok: false, status: 400, reason: 'unsupported HTTP version' };
  for (let i = 1; i < lines.length; i++) {
    if (!FIELD.test(lines[i]!)) return { ok: false, status: 400, reason: 'malformed header field' };
  }
  if (method !== 'CONNECT') return { ok: false, status: 405, reason: 'only CONNECT is supported' };
  return { ok: true, method, target };
}
