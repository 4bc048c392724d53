/**
 * The largest request body (MAX_REQUEST_BYTES): larger is HTTP 413, BAD_USER_INPUT.
 *
 * Written here rather than left to yoga's `maxRequestBodySize`, which pipes every body through a
 * counting TransformStream, even one its Content-Length already bounds: the stream, its pipeline
 * and the AbortSignal and DOMException made when the pipeline ends were about 4 % of the API's
 * busy time in the enqueue benchmark's profile (docs/performance.md). Node's HTTP parser reads no
 * more of a body than its Content-Length and refuses a request that has both Content-Length and
 * Transfer-Encoding, so a body with a Content-Length is checked from the header alone; any other
 * (chunked) is counted as it is read.
 */
import { createGraphQLError, type FetchAPI, type Plugin } from 'graphql-yoga';

/** Request bodies of at most `limit` bytes; give yoga `maxRequestBodySize: false` beside it. */
export function useRequestBodyLimit(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const declared = Number(request.headers.get('content-length') ?? Number.NaN);
      if (Number.isSafeInteger(declared)) {
        if (declared > limit) throw bodyTooLarge(limit);
        return;
      }
      if (requestParser !== undefined && request.body !== null) setRequestParser((req) => requestParser(counted(req, limit, fetchAPI)));
    },
  };
}

/** `request` with its body read through a count that fails the body past `limit` bytes. */
function counted(request: Request, limit: number, fetchAPI: FetchAPI): Request {
  const { body, url, method, headers, signal } = request;
  if (body === null) return request;
  // A body made by Node's own fetch classes takes their TransformStream, not yoga's ponyfill.
  const Transform = body instanceof ReadableStream ? TransformStream : fetchAPI.TransformStream;
  let read = 0;
  const limited = body.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read += chunk.byteLength;
        if (read > limit) controller.error(bodyTooLarge(limit));
        else controller.enqueue(chunk);
      },
    }),
  );
  // `duplex` is what a streamed request body needs; TypeScript's RequestInit does not name it yet.
  return new fetchAPI.Request(url, { method, headers, signal, body: limited, duplex: 'half' } as RequestInit);
}

/** What yoga's own limit answers: 413, with yoga's code (kept as the contract error's `reason`). */
function bodyTooLarge(limit: number): Error {
  return createGraphQLError(`Request body too large: at most ${limit} bytes`, {
    extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' },
  });
}
