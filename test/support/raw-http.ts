/**
 * HTTP over a bare TCP socket, for requests that fetch would normalise or refuse to send (duplicate
 * headers, trickled header blocks, Expect, hand-written WebSocket handshakes) and for watching when the
 * server closes the connection.
 */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Lower-cased names; repeated headers keep every value. */
  headers: Record<string, string[]>;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

export class RawConnection {
  received = '';
  closed = false;
  /** Milliseconds from the connection's start to its close (NaN while open). */
  closedAfterMs = Number.NaN;
  private readonly startedAt = Date.now();
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.received += chunk;
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.closedAfterMs = Date.now() - this.startedAt;
      this.wake();
    });
  }

  static open(baseUrl: string): Promise<RawConnection> {
    const { hostname, port } = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string): void {
    this.socket.write(data, 'latin1');
  }

  /** Resolves once `done(received)` holds or the server closed the connection; rejects after `timeoutMs`. */
  until(done: (received: string) => boolean, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (!done(this.received) && !this.closed) return false;
        clearTimeout(timer);
        resolve(this.received);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== onChange);
        reject(
          new Error(`nothing after ${timeoutMs} ms; received so far: ${JSON.stringify(this.received.slice(0, 300))}`),
        );
      }, timeoutMs);
      const onChange = () => {
        if (check()) this.waiters = this.waiters.filter((waiter) => waiter !== onChange);
      };
      if (!check()) this.waiters.push(onChange);
    });
  }

  /** Resolves with the milliseconds from start to close; rejects if the server keeps it open for `timeoutMs`. */
  async untilClosed(timeoutMs: number): Promise<number> {
    await this.until(() => false, timeoutMs);
    return this.closedAfterMs;
  }

  /** The first complete response received (waits for it). */
  async response(timeoutMs = 5000): Promise<RawResponse> {
    let parsed: RawResponse | undefined;
    await this.until((text) => (parsed = parseResponse(text)) !== undefined, timeoutMs);
    parsed ??= parseResponse(this.received);
    if (!parsed) throw new Error(`no complete response; received: ${JSON.stringify(this.received.slice(0, 300))}`);
    return parsed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Opens a connection, sends `request` as written, and waits for the first response. */
export async function rawRequest(
  baseUrl: string,
  request: string,
  timeoutMs = 5000,
): Promise<{ response: RawResponse; connection: RawConnection }> {
  const connection = await RawConnection.open(baseUrl);
  connection.write(request);
  return { response: await connection.response(timeoutMs), connection };
}

/** The first complete response in `text` (after any interim 1xx), or undefined while it is incomplete. */
export function parseResponse(text: string): RawResponse | undefined {
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) return undefined;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1]);
    const headers: Record<string, string[]> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      (headers[line.slice(0, colon).trim().toLowerCase()] ??= []).push(line.slice(colon + 1).trim());
    }
    rest = rest.slice(end + 4);
    if (status >= 100 && status < 200 && status !== 101) continue;
    const body = status === 101 ? '' : readBody(rest, headers);
    if (body === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    return { status, headers, body, json };
  }
}

function readBody(rest: string, headers: Record<string, string[]>): string | undefined {
  const length = headers['content-length']?.[0];
  if (length !== undefined) return rest.length >= Number(length) ? rest.slice(0, Number(length)) : undefined;
  if (!headers['transfer-encoding']?.[0]?.toLowerCase().includes('chunked')) return rest;
  let body = '';
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd === -1) return undefined;
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (size === 0) return body;
    if (rest.length < lineEnd + 2 + size + 2) return undefined;
    body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}
