// The proxy's few fixed responses. Bodies are short, public and carry no internal detail.
import type { Socket } from 'node:net';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Pre-built bytes of the tunnel's success line, written once per tunnel. */
export const CONNECTED = Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n', 'latin1');

/**
 * Writes an error response and closes our side. The socket is then drained, not destroyed, so the client reads
 * the answer instead of a reset; `linger` destroys it if the client never closes its side.
 */
export function sendError(socket: Socket, status: number, body: string, linger: (socket: Socket) => void): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const text = `${body}\n`;
  const allow = status === 405 ? 'Allow: CONNECT\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${allow}Content-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
  socket.resume();
  linger(socket);
}
