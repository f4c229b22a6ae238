/**
 * WebSocket upgrades on routes with `websocket: true`, once the gateway's policy has let them through: the
 * handshake goes to the upstream with the headers an HTTP request would carry, and only the upstream's own
 * `101` reaches the client, after which the two sockets are joined byte for byte. Before that `101`, a
 * failure is the gateway's JSON error (never a `101` first, never the upstream's address) and a client that
 * leaves takes the upstream request with it, so no upstream connection outlives its client.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { UpstreamTimeout, UpstreamUnavailable } from '../errors.js';
import { writeSocketError } from '../http/error-handler.js';
import { responseHeaderList } from './hop-by-hop.js';

/** Bytes a client may send ahead of the upstream's 101 before the gateway stops reading them. */
const EARLY_BYTES_LIMIT = 64 * 1024;

export interface TunnelRequest {
  /** Path and query as the upstream gets them. */
  path: string;
  /** The upstream headers of an HTTP request as `[name, value, …]` (hop-by-hop ones dropped): the handshake's are added here. */
  headers: string[];
}

/** The tunnels of one route's upstream; `closeAll` ends them when the gateway drains. */
export class WebSocketTunnels {
  private readonly clients = new Set<Socket>();
  private readonly url: URL;

  constructor(
    origin: string,
    private readonly timeoutMs: number,
    /** Rewrites a `Location` of the upstream's refusal into the gateway's paths. */
    private readonly rewriteLocation: (location: string) => string,
  ) {
    this.url = new URL(origin);
  }

  /**
   * Take over the client's upgrade socket (`head`: bytes it sent after its handshake, not yet read).
   * `onFailure` hears of an upstream that failed before its answer (the client gets the JSON error).
   */
  open(
    client: Socket,
    head: Buffer,
    request: TunnelRequest,
    onFailure: (error: UpstreamUnavailable | UpstreamTimeout) => void,
  ): void {
    if (client.destroyed) return;
    this.clients.add(client);
    let upstreamRequest: ClientRequest;
    try {
      upstreamRequest = (this.url.protocol === 'https:' ? httpsRequest : httpRequest)({
        hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
        port: this.url.port,
        method: 'GET',
        path: request.path,
        headers: handshakeHeaders(request.headers),
        agent: false,
      });
    } catch (error) {
      // A header value Node refuses to send: nothing reached the upstream, answered as an HTTP request's would be.
      const failure = new UpstreamUnavailable(undefined, { cause: error });
      onFailure(failure);
      return writeSocketError(client, failure);
    }
    // Until the upstream's answer: a failure is the client's JSON error, a client that leaves aborts it.
    let answered = false;
    const fail = (error: UpstreamUnavailable | UpstreamTimeout) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      upstreamRequest.destroy();
      onFailure(error);
      if (!client.destroyed) writeSocketError(client, error);
    };
    const timer = setTimeout(() => fail(new UpstreamTimeout()), this.timeoutMs);
    // The client's socket is read from now on, or its leaving would go unnoticed: what it sends before the
    // 101 follows its handshake to the upstream (up to a limit, then it waits), its end is its leaving.
    const early = [head];
    let earlyBytes = head.length;
    const onData = (chunk: Buffer) => {
      early.push(chunk);
      earlyBytes += chunk.length;
      if (earlyBytes > EARLY_BYTES_LIMIT) client.pause();
    };
    const onEnd = () => client.destroy();
    client.on('data', onData).once('end', onEnd).resume();
    client.once('close', () => {
      this.clients.delete(client);
      if (!answered) {
        answered = true;
        clearTimeout(timer);
        upstreamRequest.destroy();
      }
    });
    upstreamRequest.on('error', (error) => fail(new UpstreamUnavailable(undefined, { cause: error })));
    upstreamRequest.on('upgrade', (response: IncomingMessage, upstream: Socket, upstreamHead: Buffer) => {
      if (answered) return void upstream.destroy();
      answered = true;
      clearTimeout(timer);
      client.off('data', onData).off('end', onEnd);
      join(client, Buffer.concat(early), response, upstream, upstreamHead);
    });
    upstreamRequest.on('response', (response: IncomingMessage) => {
      if (answered) return void response.destroy();
      answered = true;
      clearTimeout(timer);
      this.relayRefusal(client, response);
    });
    upstreamRequest.end();
  }

  closeAll(): void {
    for (const client of this.clients) client.destroy();
  }

  /** The upstream answered the handshake with something else than a 101: that answer, then the connection closed. */
  private relayRefusal(client: Socket, response: IncomingMessage): void {
    const raw = response.rawHeaders.map((item) => Buffer.from(item, 'latin1'));
    const headers = responseHeaderList(raw, this.rewriteLocation);
    let head = `HTTP/1.1 ${response.statusCode} ${response.statusMessage ?? ''}\r\n`;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    // Without a declared length, the body ends where the connection does.
    client.write(`${head}connection: close\r\n\r\n`, 'latin1');
    response.on('error', () => client.destroy());
    client.once('finish', () => client.destroy());
    client.once('close', () => response.destroy());
    response.pipe(client);
  }
}

/** The upstream's 101 as it sent it, then both sockets joined; either one closing or failing ends the other. */
function join(
  client: Socket,
  clientHead: Buffer,
  response: IncomingMessage,
  upstream: Socket,
  upstreamHead: Buffer,
): void {
  if (client.destroyed) return void upstream.destroy();
  let head = `HTTP/1.1 101 ${response.statusMessage ?? 'Switching Protocols'}\r\n`;
  for (let i = 0; i < response.rawHeaders.length; i += 2)
    head += `${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}\r\n`;
  client.write(`${head}\r\n`, 'latin1');
  if (upstreamHead.length > 0) client.write(upstreamHead);
  if (clientHead.length > 0) upstream.write(clientHead);
  upstream.on('error', () => upstream.destroy());
  // The client socket already has its error handler (it destroys it), from the upgrade listener.
  upstream.once('close', () => client.destroy());
  client.once('close', () => upstream.destroy());
  upstream.pipe(client);
  client.pipe(upstream);
}

/** The HTTP request's upstream headers with the handshake's own (its Sec-WebSocket-* and Origin are in them already). */
function handshakeHeaders(headers: readonly string[]): string[] {
  return [...headers, 'connection', 'Upgrade', 'upgrade', 'websocket'];
}
