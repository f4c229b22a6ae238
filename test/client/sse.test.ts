/** The client's server-sent events reader, fed byte chunks split at awkward places. */
import { describe, expect, it } from 'vitest';
import { readServerSentEvents, type ServerSentEvent } from '../../src/client/sse.js';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function read(chunks: string[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(streamOf(chunks))) events.push(event);
  return events;
}

describe('readServerSentEvents', () => {
  it('reads named events, skips comments, joins multi-line data', async () => {
    expect(await read(['event: status\ndata: {"a":1}\n\n: keep-alive\n\ndata: one\ndata: two\n\n'])).toEqual([
      { event: 'status', data: '{"a":1}' },
      { event: 'message', data: 'one\ntwo' },
    ]);
  });

  it('handles CRLF split between chunks and a UTF-8 character split between chunks', async () => {
    const bytes = new TextEncoder().encode('data: é\r\n\r\n');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 7)); // "data: " and half of "é"
        controller.enqueue(bytes.slice(7, 9)); // the other half and "\r"
        controller.enqueue(bytes.slice(9));
        controller.close();
      },
    });
    const events: ServerSentEvent[] = [];
    for await (const event of readServerSentEvents(stream)) events.push(event);
    expect(events).toEqual([{ event: 'message', data: 'é' }]);
  });

  it('drops an event the stream ended in the middle of', async () => {
    expect(await read(['event: status\ndata: {"a":1}\n\nevent: status\ndata: {"b"'])).toEqual([
      { event: 'status', data: '{"a":1}' },
    ]);
  });

  it('lets go of the stream when the reader stops early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('data: x\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of readServerSentEvents(stream)) {
      expect(event.data).toBe('x');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
